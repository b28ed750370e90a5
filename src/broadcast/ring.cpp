#include "rollcall/broadcast/ring.hpp"

#include <cstring>
#include <type_traits>

#include "rollcall/common/assert.hpp"

namespace rollcall::broadcast {

namespace {

constexpr std::size_t kHeaderWords =
    3;  // staff, student, personal_count, flags (u32 each); published_ns
constexpr std::size_t kPersonalWords = 2;  // student id, bytes + flags

std::size_t words_for(std::size_t bytes) {
  return (bytes + 7) / 8;
}

std::uint32_t u32_at(std::string_view blob, std::size_t offset) {
  std::uint32_t v;
  std::memcpy(&v, blob.data() + offset, 4);
  return v;
}

// A frame equal to the staff frame is not stored twice (an override's personal
// frame and a counts update's student frame are): a flag says "the staff frame".
constexpr std::uint32_t kSameAsStaff = 1;

// Lays out the blob of `frames` (see the header) in `words`.
void fill_blob(const EventFrames& frames, std::vector<std::uint64_t>& words) {
  const bool student_same = !frames.student.empty() && frames.student == frames.staff;
  std::size_t payload = frames.staff.size() + (student_same ? 0 : frames.student.size());
  for (const PersonalFrame& p : frames.personal) {
    if (p.frame != frames.staff) payload += p.frame.size();
  }
  const std::size_t header_words = kHeaderWords + kPersonalWords * frames.personal.size();
  words.assign(header_words + words_for(payload), 0);
  auto* bytes = reinterpret_cast<unsigned char*>(words.data());
  const std::uint32_t head[4] = {static_cast<std::uint32_t>(frames.staff.size()),
                                 static_cast<std::uint32_t>(frames.student.size()),
                                 static_cast<std::uint32_t>(frames.personal.size()),
                                 student_same ? kSameAsStaff : 0};
  std::memcpy(bytes, head, sizeof head);
  std::memcpy(bytes + 16, &frames.published_ns, 8);
  std::size_t at = kHeaderWords * 8;
  for (const PersonalFrame& p : frames.personal) {
    const std::uint32_t entry[2] = {static_cast<std::uint32_t>(p.frame.size()),
                                    p.frame == frames.staff ? kSameAsStaff : 0};
    std::memcpy(bytes + at, &p.student, 8);
    std::memcpy(bytes + at + 8, entry, sizeof entry);
    at += kPersonalWords * 8;
  }
  auto put = [&](std::string_view s) {
    std::memcpy(bytes + at, s.data(), s.size());
    at += s.size();
  };
  put(frames.staff);
  if (!student_same) put(frames.student);
  for (const PersonalFrame& p : frames.personal) {
    if (p.frame != frames.staff) put(p.frame);
  }
}

}  // namespace

std::string ClassRing::encode_blob(const EventFrames& frames) {
  std::vector<std::uint64_t> words;
  fill_blob(frames, words);
  return std::string(reinterpret_cast<const char*>(words.data()), words.size() * 8);
}

EventView::EventView(std::string_view blob) : blob_(blob) {
  RC_ASSERT(blob.size() >= kHeaderWords * 8);
  const std::uint32_t staff = u32_at(blob, 0);
  const std::uint32_t student = u32_at(blob, 4);
  personal_count_ = u32_at(blob, 8);
  const bool student_same = (u32_at(blob, 12) & kSameAsStaff) != 0;
  std::memcpy(&published_ns_, blob.data() + 16, 8);
  const std::size_t frames_at = (kHeaderWords + kPersonalWords * personal_count_) * 8;
  const std::size_t student_stored = student_same ? 0 : student;
  RC_ASSERT(frames_at + staff + student_stored <= blob.size());
  staff_ = blob.substr(frames_at, staff);
  student_ = student_same ? staff_ : blob.substr(frames_at + staff, student);
  personal_at_ = frames_at + staff + student_stored;
}

std::string_view EventView::personal(std::uint64_t student) const {
  std::string_view found;
  for_each_personal([&](std::uint64_t id, std::string_view frame) {
    if (id == student) found = frame;
  });
  return found;
}

std::vector<PersonalFrame> EventView::personal_frames() const {
  std::vector<PersonalFrame> out;
  for_each_personal([&](std::uint64_t id, std::string_view frame) { out.push_back({id, frame}); });
  return out;
}

template <typename Fn>
void EventView::for_each_personal(Fn&& fn) const {
  std::size_t offset = personal_at_;
  for (std::uint32_t i = 0; i < personal_count_; ++i) {
    const std::size_t entry = (kHeaderWords + kPersonalWords * i) * 8;
    std::uint64_t id;
    std::memcpy(&id, blob_.data() + entry, 8);
    const std::uint32_t bytes = u32_at(blob_, entry + 8);
    if ((u32_at(blob_, entry + 12) & kSameAsStaff) != 0) {
      fn(id, staff_);
      continue;
    }
    RC_ASSERT(offset + bytes <= blob_.size());
    fn(id, blob_.substr(offset, bytes));
    offset += bytes;
  }
}

ClassRing::ClassRing(std::uint32_t slots, std::size_t arena_bytes, const BlobCodec* codec)
    : slot_count_(slots),
      arena_words_(arena_bytes / 8),
      codec_(codec),
      slot_pages_(sizeof(Slot) * slots),
      arena_pages_(arena_words_ * 8),
      slots_(slot_pages_.as<Slot>()),
      arena_(arena_pages_.as<std::uint64_t>()) {
  static_assert(std::atomic_ref<std::uint64_t>::is_always_lock_free);
  RC_ASSERT(slots >= 2 && (slots & (slots - 1)) == 0);
  RC_ASSERT(arena_words_ >= 64);
}

void ClassRing::store_words(std::uint64_t position, const std::uint64_t* words, std::size_t count) {
  std::size_t index = static_cast<std::size_t>((position / 8) % arena_words_);
  for (std::size_t i = 0; i < count; ++i) {
    Word(arena_[index]).store(words[i], std::memory_order_relaxed);
    if (++index == arena_words_) index = 0;
  }
}

std::span<const std::uint64_t> ClassRing::stage(const EventFrames& frames) {
  fill_blob(frames, staging_);
  if (staging_.size() > arena_words_) return {};
  if (codec_ == nullptr) return staging_;
  // Compressed straight into the words the ring stores, zero padded to a word.
  const std::string_view raw(reinterpret_cast<const char*>(staging_.data()), staging_.size() * 8);
  packed_words_.resize(words_for(BlobCodec::bound(raw.size())));
  const std::size_t n = codec_->compress(raw, packed_words_.data(), packed_words_.size() * 8);
  packed_words_.resize(words_for(n));
  std::memset(reinterpret_cast<char*>(packed_words_.data()) + n, 0, packed_words_.size() * 8 - n);
  return packed_words_;
}

bool ClassRing::publish(std::uint64_t seq, const EventFrames& frames) {
  const std::uint64_t last = last_seq_.load(std::memory_order_relaxed);
  RC_ASSERT(last == 0 || seq == last + 1);
  RC_ASSERT(seq > 0);

  const std::span<const std::uint64_t> staged = stage(frames);
  const std::size_t total_words = staged.size();
  if (total_words == 0) return false;

  // Place it: contiguous in the arena (skip to the start if it does not fit before
  // the end), so a reader copies one run of words.
  const std::uint64_t arena_bytes = arena_words_ * 8;
  const std::uint64_t size = total_words * 8;
  std::uint64_t position = write_position_;
  if (position % arena_bytes + size > arena_bytes) position += arena_bytes - position % arena_bytes;
  const std::uint64_t end = position + size;

  // Evict what this write (or this slot's reuse) destroys, then announce the bytes
  // about to be overwritten before touching them (the seqlock's "write begins").
  std::uint64_t first = first_seq_.load(std::memory_order_relaxed);
  if (first == 0) first = seq;
  while (first < seq) {
    const Slot& s = slots_[first & (slot_count_ - 1)];
    const bool slot_reused = seq - first >= slot_count_;
    const bool bytes_overwritten =
        word(s.position).load(std::memory_order_relaxed) + arena_bytes < end;
    if (!slot_reused && !bytes_overwritten) break;
    ++first;
    evictions_.fetch_add(1, std::memory_order_relaxed);
  }
  // Invariants: what stays readable fits both the slots and the arena, and the new
  // event is one contiguous run of whole words after everything written before.
  RC_ASSERT(first <= seq);
  RC_ASSERT(seq - first < slot_count_);
  RC_ASSERT(position >= write_position_);
  RC_ASSERT(position % 8 == 0);
  RC_ASSERT(position % arena_bytes + size <= arena_bytes);
  first_seq_.store(first, std::memory_order_release);
  reserved_.store(end, std::memory_order_relaxed);
  Slot& slot = slots_[seq & (slot_count_ - 1)];
  Word(slot.seq).store(0, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);

  store_words(position, staged.data(), total_words);
  Word(slot.position).store(position, std::memory_order_relaxed);
  Word(slot.bytes).store(size, std::memory_order_relaxed);
  Word(slot.seq).store(seq, std::memory_order_release);
  RC_ASSERT(end > write_position_);
  write_position_ = end;
  last_seq_.store(seq, std::memory_order_release);
  return true;
}

void ClassRing::skip(std::uint64_t seq) {
  const std::uint64_t last = last_seq_.load(std::memory_order_relaxed);
  RC_ASSERT(last == 0 || seq == last + 1);
  RC_ASSERT(seq > 0);
  const std::uint64_t first = first_seq_.load(std::memory_order_relaxed);
  if (first != 0 && last >= first)
    evictions_.fetch_add(last - first + 1, std::memory_order_relaxed);
  // Nothing up to seq is readable; the arena is untouched, so readers that copied
  // an older event before this store still copied intact bytes.
  first_seq_.store(seq + 1, std::memory_order_release);
  last_seq_.store(seq, std::memory_order_release);
}

void ClassRing::copy_words(std::uint64_t position, std::uint64_t bytes, std::string& out) const {
  out.resize(static_cast<std::size_t>(bytes));
  auto* to = reinterpret_cast<unsigned char*>(out.data());
  std::size_t index = static_cast<std::size_t>((position / 8) % arena_words_);
  for (std::size_t i = 0; i < bytes / 8; ++i) {
    const std::uint64_t w = word(arena_[index]).load(std::memory_order_relaxed);
    std::memcpy(to + i * 8, &w, 8);
    if (++index == arena_words_) index = 0;
  }
}

ClassRing::Read ClassRing::read(std::uint64_t seq, std::string& blob) const {
  if (seq == 0 || seq > last_seq_.load(std::memory_order_acquire)) return Read::NotYet;
  if (seq < first_seq_.load(std::memory_order_acquire)) return Read::Gone;
  const Slot& slot = slots_[seq & (slot_count_ - 1)];
  if (word(slot.seq).load(std::memory_order_acquire) != seq) return Read::Gone;
  const std::uint64_t position = word(slot.position).load(std::memory_order_relaxed);
  const std::uint64_t size = word(slot.bytes).load(std::memory_order_relaxed);
  const std::uint64_t arena_bytes = arena_words_ * 8;
  const std::uint64_t smallest = codec_ != nullptr ? 8 : kHeaderWords * 8;
  if (size < smallest || size > arena_bytes || size % 8 != 0) return Read::Gone;  // torn slot read
  thread_local std::string packed;
  copy_words(position, size, codec_ != nullptr ? packed : blob);
  // The seqlock's "read ends": was anything copied announced for overwriting?
  std::atomic_thread_fence(std::memory_order_acquire);
  if (word(slot.seq).load(std::memory_order_relaxed) != seq) return Read::Gone;
  if (reserved_.load(std::memory_order_relaxed) > position + arena_bytes) return Read::Gone;
  // A consistent copy: it must decompress (within the arena's size, as published)...
  const bool unpacked =
      codec_ == nullptr || codec_->decompress(packed, blob, static_cast<std::size_t>(arena_bytes));
  RC_ASSERT(unpacked);
  // ...and its header must describe it.
  RC_ASSERT(blob.size() >= kHeaderWords * 8);
  const std::uint32_t staff = u32_at(blob, 0), personal = u32_at(blob, 8);
  const std::uint32_t student = (u32_at(blob, 12) & kSameAsStaff) != 0 ? 0 : u32_at(blob, 4);
  const std::size_t frames_at =
      (kHeaderWords + kPersonalWords * static_cast<std::size_t>(personal)) * 8;
  RC_ASSERT(frames_at <= blob.size() && frames_at + staff + student <= blob.size());
  return Read::Ok;
}

}  // namespace rollcall::broadcast
