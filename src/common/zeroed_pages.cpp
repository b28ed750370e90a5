#include "rollcall/common/zeroed_pages.hpp"

#include <sys/mman.h>

#include <utility>

#include "rollcall/common/assert.hpp"

namespace rollcall {

ZeroedPages::ZeroedPages(std::size_t bytes) : bytes_(bytes) {
  RC_ASSERT(bytes > 0);
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  RC_ASSERT(p != MAP_FAILED);  // start-up or class creation: out of memory is fatal
  data_ = p;
}

ZeroedPages::ZeroedPages(ZeroedPages&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), bytes_(std::exchange(other.bytes_, 0)) {}

ZeroedPages& ZeroedPages::operator=(ZeroedPages&& other) noexcept {
  if (this != &other) {
    ZeroedPages gone(std::move(*this));
    data_ = std::exchange(other.data_, nullptr);
    bytes_ = std::exchange(other.bytes_, 0);
  }
  return *this;
}

ZeroedPages::~ZeroedPages() {
  if (data_ != nullptr) ::munmap(data_, bytes_);
}

}  // namespace rollcall
