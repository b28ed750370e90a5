#pragma once
/// An open libzip archive, discarded (nothing written) unless zip_close took it.

#include <zip.h>

#include <memory>

namespace rollcall::app {

struct ZipDiscard {
  void operator()(zip_t* z) const { zip_discard(z); }
};
using ZipHandle = std::unique_ptr<zip_t, ZipDiscard>;

}  // namespace rollcall::app
