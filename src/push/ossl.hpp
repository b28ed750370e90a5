#pragma once
/// The OpenSSL plumbing of push/: owning handles and error text. Internal to
/// src/push (bytes.hpp converts buffers for OpenSSL's calls).

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <memory>
#include <string>

namespace rollcall::push::ossl {

/// Frees each OpenSSL object with its own function (secrets cleared first).
struct Free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
  void operator()(EVP_CIPHER_CTX* p) const { EVP_CIPHER_CTX_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(BIGNUM* p) const { BN_clear_free(p); }
  void operator()(EC_GROUP* p) const { EC_GROUP_free(p); }
  void operator()(EC_POINT* p) const { EC_POINT_free(p); }
  void operator()(ECDSA_SIG* p) const { ECDSA_SIG_free(p); }
  void operator()(OSSL_PARAM_BLD* p) const { OSSL_PARAM_BLD_free(p); }
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};

template <typename T>
using Owned = std::unique_ptr<T, Free>;
using Pkey = Owned<EVP_PKEY>;

/// The reason of the first error OpenSSL queued on this thread ("unknown" if
/// none), after which the queue is empty: a failure never leaves stale errors for
/// the next call to find.
std::string take_error();

}  // namespace rollcall::push::ossl
