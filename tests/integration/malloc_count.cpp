// An LD_PRELOAD library for tests/integration/test_upgrade_allocations.py: counts
// every malloc, calloc and realloc of the process in the first 8 bytes of the file
// named by MALLOC_COUNT_FILE (a shared mapping, read by the test at any moment),
// then hands the call to glibc. Without the variable it only forwards.

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstddef>
#include <cstdlib>

extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
}

namespace {

std::atomic<unsigned long>* g_count = nullptr;

void count() {
  if (g_count != nullptr) g_count->fetch_add(1, std::memory_order_relaxed);
}

__attribute__((constructor)) void open_count_file() {
  const char* path = std::getenv("MALLOC_COUNT_FILE");
  if (path == nullptr) return;
  const int fd = ::open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return;
  void* page = ::ftruncate(fd, 4096) == 0
                   ? ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)
                   : MAP_FAILED;
  ::close(fd);
  if (page != MAP_FAILED) g_count = new (page) std::atomic<unsigned long>(0);
}

}  // namespace

extern "C" {
void* malloc(std::size_t n) {
  count();
  return __libc_malloc(n);
}
void* calloc(std::size_t n, std::size_t size) {
  count();
  return __libc_calloc(n, size);
}
void* realloc(void* p, std::size_t n) {
  count();
  return __libc_realloc(p, n);
}
}
