#include "rollcall/net/input_pool.hpp"

#include <vector>

namespace rollcall::net {

namespace {

std::vector<std::string>& spares() {
  thread_local std::vector<std::string> pool;
  return pool;
}

}  // namespace

void InputPool::lend(std::string& in) {
  if (in.capacity() >= kBytes) return;
  std::vector<std::string>& pool = spares();
  std::string borrowed;
  if (pool.empty()) {
    borrowed.reserve(kBytes);
  } else {
    borrowed.swap(pool.back());
    pool.pop_back();
  }
  borrowed.assign(in);  // a string without room holds few bytes, if any
  in.swap(borrowed);
}

void InputPool::take_back(std::string& in) {
  std::vector<std::string>& pool = spares();
  if (in.capacity() >= kBytes && in.capacity() <= 2 * kBytes && pool.size() < kKept) {
    if (pool.capacity() == 0) pool.reserve(kKept);
    in.clear();
    pool.emplace_back().swap(in);
  }
  std::string().swap(in);
}

std::size_t InputPool::kept() {
  return spares().size();
}

}  // namespace rollcall::net
