#pragma once
/// Memory for objects a shard makes and frees at a high rate, all of one size: the
/// round trip of every request forwarded to a class's owner, and of every live
/// subscription (shard/call.hpp). A freed block waits on the freeing thread's list
/// (at most `kKept` per size) and is the next block of that size made on that
/// thread, so a warm path allocates nothing. A block freed on another thread than
/// the one that made it (a reply dropped by a stopping owner) simply joins that
/// thread's list. Lists are per thread: no locks, no sharing.

#include <cstddef>
#include <new>

namespace rollcall::shard {

template <std::size_t Bytes>
class BlockCache {
 public:
  static constexpr std::size_t kKept = 256;
  static_assert(Bytes >= sizeof(void*));

  static void* take() {
    List& l = list();
    if (l.head == nullptr) return ::operator new(Bytes);
    Node* n = l.head;
    l.head = n->next;
    --l.count;
    return n;
  }
  static void give(void* p) {
    List& l = list();
    if (l.count >= kKept) return ::operator delete(p);
    l.head = ::new (p) Node{l.head};
    ++l.count;
  }
  /// Blocks kept on this thread's list (tests).
  static std::size_t kept() { return list().count; }

 private:
  struct Node {
    Node* next;
  };
  struct List {
    Node* head = nullptr;
    std::size_t count = 0;
    ~List() {
      while (head != nullptr) {
        Node* n = head;
        head = n->next;
        ::operator delete(n);
      }
    }
  };
  static List& list() {
    thread_local List l;
    return l;
  }
};

}  // namespace rollcall::shard
