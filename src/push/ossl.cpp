#include "src/push/ossl.hpp"

#include <openssl/err.h>

namespace rollcall::push::ossl {

std::string take_error() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown";
  const char* reason = ERR_reason_error_string(code);
  return reason != nullptr ? reason : "error " + std::to_string(code);
}

}  // namespace rollcall::push::ossl
