#include "rollcall/broadcast/blob_codec.hpp"

#include <zstd.h>

#include <memory>

#include "rollcall/common/assert.hpp"

namespace rollcall::broadcast {

namespace {

// The fastest level: a blob is compressed once, on the owner shard's hot path.
constexpr int kLevel = 1;

struct CCtxFree {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
struct DCtxFree {
  void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
};

// One context of each kind per thread, made on first use, reused for every blob.
ZSTD_CCtx* compressor() {
  thread_local std::unique_ptr<ZSTD_CCtx, CCtxFree> c(ZSTD_createCCtx());
  RC_ASSERT(c != nullptr);
  return c.get();
}

ZSTD_DCtx* decompressor() {
  thread_local std::unique_ptr<ZSTD_DCtx, DCtxFree> d(ZSTD_createDCtx());
  RC_ASSERT(d != nullptr);
  return d.get();
}

}  // namespace

BlobCodec::BlobCodec(std::string_view dictionary)
    : cdict_(ZSTD_createCDict(dictionary.data(), dictionary.size(), kLevel)),
      ddict_(ZSTD_createDDict(dictionary.data(), dictionary.size())) {
  RC_ASSERT(cdict_ != nullptr && ddict_ != nullptr);
}

BlobCodec::~BlobCodec() {
  ZSTD_freeCDict(cdict_);
  ZSTD_freeDDict(ddict_);
}

std::size_t BlobCodec::bound(std::size_t blob_bytes) {
  return ZSTD_compressBound(blob_bytes);
}

std::size_t BlobCodec::compress(std::string_view blob, void* out, std::size_t capacity) const {
  RC_ASSERT(capacity >= bound(blob.size()));
  const std::size_t n =
      ZSTD_compress_usingCDict(compressor(), out, capacity, blob.data(), blob.size(), cdict_);
  RC_ASSERT(!ZSTD_isError(n));  // the bound always suffices
  return n;
}

void BlobCodec::compress(std::string_view blob, std::string& out) const {
  out.resize(bound(blob.size()));
  out.resize(compress(blob, out.data(), out.size()));
}

bool BlobCodec::decompress(std::string_view packed, std::string& out, std::size_t max_bytes) const {
  const std::size_t frame = ZSTD_findFrameCompressedSize(packed.data(), packed.size());
  if (ZSTD_isError(frame)) return false;
  const unsigned long long bytes = ZSTD_getFrameContentSize(packed.data(), frame);
  if (bytes == ZSTD_CONTENTSIZE_UNKNOWN || bytes == ZSTD_CONTENTSIZE_ERROR || bytes > max_bytes)
    return false;
  out.resize(static_cast<std::size_t>(bytes));
  const std::size_t n = ZSTD_decompress_usingDDict(decompressor(), out.data(), out.size(),
                                                   packed.data(), frame, ddict_);
  return !ZSTD_isError(n) && n == out.size();
}

}  // namespace rollcall::broadcast
