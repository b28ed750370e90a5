#pragma once
/// Compression of a class ring's event blobs (broadcast/ring.hpp) with a dictionary
/// of typical events: zstd at its fastest level with a raw-content dictionary, so
/// the keys, the envelope and the shape every event shares cost a few bytes. An
/// override's two events (the record, 506 bytes; the counts, 230) take about 190
/// bytes of a class's history instead of about 810, which is most of what a busy
/// server holds per event.
///
/// Immutable once made; any thread may use it (each thread keeps its own zstd
/// contexts). A blob compresses to one zstd frame, which may be followed by zero
/// padding where it is stored.

#include <cstddef>
#include <string>
#include <string_view>

struct ZSTD_CDict_s;
struct ZSTD_DDict_s;

namespace rollcall::broadcast {

class BlobCodec {
 public:
  /// `dictionary`: bytes like the blobs to come (a few real ones laid end to end).
  explicit BlobCodec(std::string_view dictionary);
  ~BlobCodec();
  BlobCodec(const BlobCodec&) = delete;
  BlobCodec& operator=(const BlobCodec&) = delete;

  /// The most bytes `blob_bytes` can compress to.
  static std::size_t bound(std::size_t blob_bytes);
  /// Compresses `blob` into `out` (at least `bound(blob.size())` bytes); returns how
  /// many bytes it wrote.
  std::size_t compress(std::string_view blob, void* out, std::size_t capacity) const;
  /// `blob` compressed, in `out` (replaced).
  void compress(std::string_view blob, std::string& out) const;
  /// The blob compressed at the start of `packed` (zero padding may follow), in `out`
  /// (replaced). False when `packed` is not such a frame or holds more than
  /// `max_bytes`.
  bool decompress(std::string_view packed, std::string& out, std::size_t max_bytes) const;

 private:
  ZSTD_CDict_s* cdict_ = nullptr;
  ZSTD_DDict_s* ddict_ = nullptr;
};

}  // namespace rollcall::broadcast
