#pragma once
/// A block of zeroed memory taken straight from the kernel (an anonymous mapping):
/// no page is resident until it is first written, and all of it goes back to the
/// kernel when the block is destroyed. For large, sparsely filled tables (a class's
/// event ring) whose untouched part must cost no resident memory, and whose
/// memory must not linger in the allocator's free lists afterwards.

#include <cstddef>
#include <type_traits>

namespace rollcall {

class ZeroedPages {
 public:
  ZeroedPages() = default;
  /// Maps `bytes` (rounded up to whole pages); fatal when the kernel refuses.
  explicit ZeroedPages(std::size_t bytes);
  ZeroedPages(ZeroedPages&& other) noexcept;
  ZeroedPages& operator=(ZeroedPages&& other) noexcept;
  ZeroedPages(const ZeroedPages&) = delete;
  ZeroedPages& operator=(const ZeroedPages&) = delete;
  ~ZeroedPages();

  /// The block as an array of `T` (trivial types only: the pages are zero bytes).
  template <typename T>
  T* as() const {
    static_assert(std::is_trivially_copyable_v<T>);
    return static_cast<T*>(data_);
  }
  std::size_t bytes() const { return bytes_; }

 private:
  void* data_ = nullptr;
  std::size_t bytes_ = 0;
};

}  // namespace rollcall
