#pragma once
/// A class's event ring: one producer (the class's owner shard) publishes events,
/// already encoded as WebSocket frames for each audience; any shard reads them
/// without locks. Seqlock-style: the producer announces the bytes it is about to
/// overwrite before overwriting them, and a reader that copied an event checks
/// afterwards that nothing it copied was announced meanwhile. A reader that fell too
/// far behind learns the event is gone (and resynchronises its subscribers).
///
/// Memory is bounded at construction: `slots` index entries (a power of two) and an
/// arena of `arena_bytes` holding the events back to back, compressed when the ring
/// has a codec (broadcast/blob_codec.hpp; `read` gives the blob back as published).
/// An event whose blob is larger than the arena is refused, compressed or not. An event stays
/// readable until either its slot or its bytes are reused. Both are zeroed pages straight from the
/// kernel (common/zeroed_pages.hpp), made resident only as events are written and handed back whole
/// when the ring goes, so a quiet class costs little resident memory whatever its limits.
///
/// Event blob, as published and as `read` returns it (little-endian, 8-byte words):
///   u32 staff_bytes, u32 student_bytes, u32 personal_count, u32 flags,
///   u64 published_ns (monotonic clock of the publishing shard),
///   personal_count x {u64 student id, u32 bytes, u32 flags},
///   staff frame, student frame, personal frames (in order), zero padding to 8.
/// A flags value of 1 says the frame is the staff frame, byte for byte, and is not
/// stored again (an override's personal frame, a counts update's student frame):
/// most events then take half the ring. Blobs written before flags existed have 0.
/// staff: what teachers and admins get; student: what every student gets (0 bytes:
/// nothing); personal: what one named student gets in addition (their own record).

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "rollcall/broadcast/blob_codec.hpp"
#include "rollcall/common/zeroed_pages.hpp"

namespace rollcall::broadcast {

struct PersonalFrame {
  std::uint64_t student = 0;
  std::string_view frame;
};

/// The frames of one event, per audience.
struct EventFrames {
  std::uint64_t published_ns = 0;
  std::string_view staff;
  std::string_view student;
  std::vector<PersonalFrame> personal;  ///< ascending by student
};

/// A read-only view of a copied event blob.
class EventView {
 public:
  explicit EventView(std::string_view blob);
  std::string_view staff() const { return staff_; }
  std::uint64_t published_ns() const { return published_ns_; }
  std::string_view student() const { return student_; }
  /// The personal frame for `student`, or empty.
  std::string_view personal(std::uint64_t student) const;
  /// Every personal frame (to republish the event elsewhere).
  std::vector<PersonalFrame> personal_frames() const;

 private:
  template <typename Fn>
  void for_each_personal(Fn&& fn) const;

  std::string_view blob_;
  std::string_view staff_;
  std::string_view student_;
  std::size_t personal_at_ = 0;  ///< where the stored personal frames start
  std::uint32_t personal_count_ = 0;
  std::uint64_t published_ns_ = 0;
};

class ClassRing {
 public:
  /// `codec` (optional, must outlive the ring): events are stored compressed.
  ClassRing(std::uint32_t slots, std::size_t arena_bytes, const BlobCodec* codec = nullptr);
  ClassRing(const ClassRing&) = delete;
  ClassRing& operator=(const ClassRing&) = delete;

  /// The event blob for `frames` (the bytes a ring stores and `read` returns).
  static std::string encode_blob(const EventFrames& frames);

  // Producer (the owner shard's thread only).

  /// Publishes event `seq` (must be last_seq() + 1, or anything when the ring is
  /// empty). Returns false if the event is larger than the arena (not published).
  bool publish(std::uint64_t seq, const EventFrames& frames);
  /// Takes `seq` (as publish) without holding it, and gives up every earlier event:
  /// readers find them all gone and resynchronise. For an event publish refused.
  void skip(std::uint64_t seq);

  // Any thread.

  /// The newest published seq (0 if none).
  std::uint64_t last_seq() const { return last_seq_.load(std::memory_order_acquire); }
  /// The oldest seq that may still be readable (0 if none).
  std::uint64_t first_seq() const { return first_seq_.load(std::memory_order_acquire); }

  enum class Read : std::uint8_t { Ok, NotYet, Gone };
  /// Copies event `seq` into `blob`. Gone: overwritten (or never held); NotYet: not
  /// published yet.
  Read read(std::uint64_t seq, std::string& blob) const;

  std::uint32_t slots() const { return slot_count_; }
  std::size_t arena_bytes() const { return arena_words_ * 8; }
  /// Events evicted (overwritten) so far: how often readers could have been lapped.
  std::uint64_t evictions() const { return evictions_.load(std::memory_order_relaxed); }

 private:
  // Plain words in zeroed memory, always accessed through std::atomic_ref.
  struct Slot {
    std::uint64_t seq;
    std::uint64_t position;  // absolute arena byte position
    std::uint64_t bytes;
  };
  using Word = std::atomic_ref<std::uint64_t>;
  /// For readers: atomic_ref needs a non-const reference; the reads never write.
  static Word word(const std::uint64_t& w) { return Word(const_cast<std::uint64_t&>(w)); }

  /// The words to store for `frames` (in staging_ or packed_words_); empty when the
  /// blob is larger than the arena.
  std::span<const std::uint64_t> stage(const EventFrames& frames);
  void store_words(std::uint64_t position, const std::uint64_t* words, std::size_t count);
  /// Copies `bytes` stored at `position` into `out`.
  void copy_words(std::uint64_t position, std::uint64_t bytes, std::string& out) const;

  const std::uint32_t slot_count_;
  const std::size_t arena_words_;
  const BlobCodec* const codec_;
  ZeroedPages slot_pages_;
  ZeroedPages arena_pages_;
  Slot* const slots_;
  std::uint64_t* const arena_;
  // Producer-only bookkeeping.
  std::uint64_t write_position_ = 0;  // absolute bytes written (monotonic)
  std::vector<std::uint64_t> staging_;
  std::vector<std::uint64_t> packed_words_;
  // Shared.
  alignas(64) std::atomic<std::uint64_t> reserved_{0};  // absolute end of bytes being/been written
  std::atomic<std::uint64_t> last_seq_{0};
  std::atomic<std::uint64_t> first_seq_{0};
  std::atomic<std::uint64_t> evictions_{0};
};

}  // namespace rollcall::broadcast
