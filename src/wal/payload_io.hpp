#pragma once
// The three visitors a command's field list is walked with (internal to wal/):
// PayloadWriter appends the binary payload, PayloadReader parses it back (failing,
// never reading past the end, on anything malformed), PayloadJson writes
// `"name":value` pairs for `rollcall wal dump`. Encoding rules: records.hpp.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rollcall/domain/commands.hpp"

namespace rollcall::wal {

class PayloadWriter {
 public:
  explicit PayloadWriter(std::string& out) : out_(out) {}
  /// Hands what is staged to `out`.
  ~PayloadWriter() { flush(); }
  PayloadWriter(const PayloadWriter&) = delete;
  PayloadWriter& operator=(const PayloadWriter&) = delete;

  template <typename Tag>
  void operator()(std::string_view, domain::Id<Tag> v) {
    u64(v.value);
  }
  void operator()(std::string_view, bool v) { u8(v ? 1 : 0); }
  void operator()(std::string_view, std::uint32_t v) { fixed<4>(v); }
  void operator()(std::string_view, std::uint64_t v) { u64(v); }
  void operator()(std::string_view, std::int64_t v) { u64(static_cast<std::uint64_t>(v)); }
  void operator()(std::string_view, domain::Method v) { u8(static_cast<std::uint8_t>(v)); }
  void operator()(std::string_view, domain::AttendanceStatus v) {
    u8(static_cast<std::uint8_t>(v));
  }
  void operator()(std::string_view, const std::string& v) { str(v); }
  void operator()(std::string_view, const std::optional<std::string>& v);
  void operator()(std::string_view, const std::optional<domain::AttendanceStatus>& v);
  void operator()(std::string_view, const std::vector<domain::BulkItem>& v);
  void operator()(std::string_view, const std::optional<std::vector<domain::UserId>>& v);
  void operator()(std::string_view, const domain::RosterImage& v);

 private:
  // Fields are staged here and appended to `out` in one go (a command's fields
  // are small: one append per record instead of one per field).
  static constexpr std::size_t kStageBytes = 256;

  void u8(std::uint8_t v) { fixed<1>(v); }
  void u64(std::uint64_t v) { fixed<8>(v); }
  template <std::size_t N>
  void fixed(std::uint64_t v) {
    if (staged_ + N > kStageBytes) flush();
    for (std::size_t i = 0; i < N; ++i) stage_[staged_ + i] = static_cast<char>(v >> (8 * i));
    staged_ += N;
  }
  void str(std::string_view s);
  void flush() {
    out_.append(stage_, staged_);
    staged_ = 0;
  }

  std::string& out_;
  char stage_[kStageBytes];
  std::size_t staged_ = 0;
};

class PayloadReader {
 public:
  explicit PayloadReader(std::string_view in) : in_(in) {}
  /// False once anything was malformed (every later read then does nothing).
  bool ok() const { return ok_; }
  /// Fails unless every byte was read.
  void finish() { ok_ = ok_ && pos_ == in_.size(); }

  template <typename Tag>
  void operator()(std::string_view, domain::Id<Tag>& v) {
    v.value = fixed(8);
  }
  void operator()(std::string_view, bool& v) { v = flag(); }
  void operator()(std::string_view, std::uint32_t& v) { v = static_cast<std::uint32_t>(fixed(4)); }
  void operator()(std::string_view, std::uint64_t& v) { v = fixed(8); }
  void operator()(std::string_view, std::int64_t& v) { v = static_cast<std::int64_t>(fixed(8)); }
  void operator()(std::string_view, domain::Method& v);
  void operator()(std::string_view, domain::AttendanceStatus& v);
  void operator()(std::string_view, std::string& v);
  void operator()(std::string_view, std::optional<std::string>& v);
  void operator()(std::string_view, std::optional<domain::AttendanceStatus>& v);
  void operator()(std::string_view, std::vector<domain::BulkItem>& v);
  void operator()(std::string_view, std::optional<std::vector<domain::UserId>>& v);
  void operator()(std::string_view, domain::RosterImage& v);

 private:
  std::size_t left() const { return in_.size() - pos_; }
  std::uint64_t fixed(int bytes);
  std::uint8_t u8() { return static_cast<std::uint8_t>(fixed(1)); }
  bool flag();
  void fail() { ok_ = false; }

  std::string_view in_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

class PayloadJson {
 public:
  explicit PayloadJson(std::string& out) : out_(out) { out_.push_back('{'); }
  void finish() { out_.push_back('}'); }

  template <typename Tag>
  void operator()(std::string_view name, domain::Id<Tag> v) {
    number(name, v.value);
  }
  void operator()(std::string_view name, bool v);
  void operator()(std::string_view name, std::uint32_t v) { number(name, v); }
  void operator()(std::string_view name, std::uint64_t v) { number(name, v); }
  void operator()(std::string_view name, std::int64_t v);
  void operator()(std::string_view name, domain::Method v);
  void operator()(std::string_view name, domain::AttendanceStatus v);
  void operator()(std::string_view name, std::string_view v);
  void operator()(std::string_view name, const std::string& v) {
    (*this)(name, std::string_view(v));
  }
  void operator()(std::string_view name, const std::optional<std::string>& v);
  void operator()(std::string_view name, const std::optional<domain::AttendanceStatus>& v);
  void operator()(std::string_view name, const std::vector<domain::BulkItem>& v);
  void operator()(std::string_view name, const std::optional<std::vector<domain::UserId>>& v);
  void operator()(std::string_view name, const domain::RosterImage& v);

 private:
  void key(std::string_view name);
  void number(std::string_view name, std::uint64_t v);
  void quoted(std::string_view v);

  std::string& out_;
  bool first_ = true;
};

}  // namespace rollcall::wal
