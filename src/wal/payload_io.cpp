#include "src/wal/payload_io.hpp"

#include <cstring>

#include "rollcall/common/assert.hpp"
#include "rollcall/common/json_escape.hpp"
#include "rollcall/wal/roster_file.hpp"

namespace rollcall::wal {

namespace {

using domain::AttendanceStatus;
using domain::Method;

constexpr std::uint8_t kStatusMax = static_cast<std::uint8_t>(AttendanceStatus::Excused);
constexpr std::uint8_t kMethodMax = static_cast<std::uint8_t>(Method::SessionClose);
// The smallest encoding of a bulk item (student, status, absent reason): a count is
// checked against it before anything is reserved.
constexpr std::size_t kBulkItemBytesMin = 8 + 1 + 1;

}  // namespace

// --- PayloadWriter -------------------------------------------------------------

void PayloadWriter::str(std::string_view s) {
  RC_ASSERT(s.size() <= UINT32_MAX);
  fixed<4>(s.size());
  if (staged_ + s.size() <= kStageBytes) {
    std::memcpy(stage_ + staged_, s.data(), s.size());
    staged_ += s.size();
    return;
  }
  flush();  // a long string goes straight to `out`
  out_.append(s);
}

void PayloadWriter::operator()(std::string_view, const std::optional<std::string>& v) {
  u8(v ? 1 : 0);
  if (v) str(*v);
}

void PayloadWriter::operator()(std::string_view, const std::optional<AttendanceStatus>& v) {
  u8(v ? 1 : 0);
  if (v) u8(static_cast<std::uint8_t>(*v));
}

void PayloadWriter::operator()(std::string_view name, const std::vector<domain::BulkItem>& v) {
  fixed<4>(v.size());
  for (const domain::BulkItem& item : v) {
    (*this)(name, item.student);
    (*this)(name, item.status);
    (*this)(name, item.reason);
  }
}

void PayloadWriter::operator()(std::string_view,
                               const std::optional<std::vector<domain::UserId>>& v) {
  RC_ASSERT(v.has_value());  // a logged command carries its lists
  fixed<4>(v->size());
  for (const domain::UserId id : *v) u64(id.value);
}

void PayloadWriter::operator()(std::string_view, const domain::RosterImage& v) {
  RC_ASSERT(v.encoded != nullptr);  // encoded once, where the roster was made
  str(*v.encoded);
}

// --- PayloadReader -------------------------------------------------------------

std::uint64_t PayloadReader::fixed(int bytes) {
  if (!ok_ || left() < static_cast<std::size_t>(bytes)) {
    fail();
    return 0;
  }
  std::uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(in_[pos_ + i]);
  pos_ += static_cast<std::size_t>(bytes);
  return v;
}

bool PayloadReader::flag() {
  const std::uint8_t b = u8();
  if (b > 1) fail();
  return ok_ && b == 1;
}

void PayloadReader::operator()(std::string_view, Method& v) {
  const std::uint8_t b = u8();
  if (b > kMethodMax) fail();
  v = static_cast<Method>(ok_ ? b : 0);
}

void PayloadReader::operator()(std::string_view, AttendanceStatus& v) {
  const std::uint8_t b = u8();
  if (b > kStatusMax) fail();
  v = static_cast<AttendanceStatus>(ok_ ? b : 0);
}

void PayloadReader::operator()(std::string_view, std::string& v) {
  const std::uint64_t n = fixed(4);
  if (!ok_ || n > left()) return fail();
  v.assign(in_.data() + pos_, n);
  pos_ += n;
}

void PayloadReader::operator()(std::string_view name, std::optional<std::string>& v) {
  v.reset();
  if (flag()) (*this)(name, v.emplace());
}

void PayloadReader::operator()(std::string_view name, std::optional<AttendanceStatus>& v) {
  v.reset();
  if (flag()) (*this)(name, v.emplace());
}

void PayloadReader::operator()(std::string_view name, std::vector<domain::BulkItem>& v) {
  const std::uint64_t n = fixed(4);
  if (!ok_ || n > left() / kBulkItemBytesMin) return fail();
  v.clear();
  v.reserve(n);
  for (std::uint64_t i = 0; i < n && ok_; ++i) {
    domain::BulkItem& item = v.emplace_back();
    (*this)(name, item.student);
    (*this)(name, item.status);
    (*this)(name, item.reason);
  }
}

void PayloadReader::operator()(std::string_view, std::optional<std::vector<domain::UserId>>& v) {
  const std::uint64_t n = fixed(4);
  if (!ok_ || n > left() / 8) return fail();
  std::vector<domain::UserId>& ids = v.emplace();
  ids.reserve(n);
  for (std::uint64_t i = 0; i < n && ok_; ++i) ids.push_back(domain::UserId{fixed(8)});
}

void PayloadReader::operator()(std::string_view name, domain::RosterImage& v) {
  std::string encoded;
  (*this)(name, encoded);
  if (!ok_) return;
  Result<std::shared_ptr<const domain::Roster>> roster = decode_roster(encoded);
  if (!roster) return fail();
  v.roster = std::move(*roster);
  v.encoded = std::make_shared<const std::string>(std::move(encoded));
}

// --- PayloadJson -----------------------------------------------------------------

void PayloadJson::key(std::string_view name) {
  if (!first_) out_.push_back(',');
  first_ = false;
  quoted(name);
  out_.push_back(':');
}

void PayloadJson::quoted(std::string_view v) {
  out_.push_back('"');
  append_json_escaped(out_, v);
  out_.push_back('"');
}

void PayloadJson::operator()(std::string_view name, bool v) {
  key(name);
  out_.append(v ? "true" : "false");
}

void PayloadJson::number(std::string_view name, std::uint64_t v) {
  key(name);
  out_.append(std::to_string(v));
}

void PayloadJson::operator()(std::string_view name, std::int64_t v) {
  key(name);
  out_.append(std::to_string(v));
}

void PayloadJson::operator()(std::string_view name, Method v) {
  key(name);
  if (v == Method::None) {
    out_.append("null");
  } else {
    quoted(domain::to_string(v));
  }
}

void PayloadJson::operator()(std::string_view name, AttendanceStatus v) {
  key(name);
  quoted(domain::to_string(v));
}

void PayloadJson::operator()(std::string_view name, std::string_view v) {
  key(name);
  quoted(v);
}

void PayloadJson::operator()(std::string_view name, const std::optional<std::string>& v) {
  if (v) return (*this)(name, std::string_view(*v));
  key(name);
  out_.append("null");
}

void PayloadJson::operator()(std::string_view name, const std::optional<AttendanceStatus>& v) {
  if (v) return (*this)(name, *v);
  key(name);
  out_.append("null");
}

void PayloadJson::operator()(std::string_view name, const std::vector<domain::BulkItem>& v) {
  key(name);
  out_.push_back('[');
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i != 0) out_.push_back(',');
    PayloadJson item(out_);
    item("student", v[i].student);
    item("status", v[i].status);
    item("reason", v[i].reason);
    item.finish();
  }
  out_.push_back(']');
}

void PayloadJson::operator()(std::string_view name,
                             const std::optional<std::vector<domain::UserId>>& v) {
  key(name);
  out_.push_back('[');
  if (v) {
    for (std::size_t i = 0; i < v->size(); ++i) {
      if (i != 0) out_.push_back(',');
      out_.append(std::to_string((*v)[i].value));
    }
  }
  out_.push_back(']');
}

// A roster is shown by its size, not its megabytes of JSON.
void PayloadJson::operator()(std::string_view name, const domain::RosterImage& v) {
  key(name);
  PayloadJson summary(out_);
  summary("bytes", static_cast<std::uint64_t>(v.encoded ? v.encoded->size() : 0));
  summary("users", static_cast<std::uint64_t>(v.roster ? v.roster->user_count() : 0));
  summary("classes", static_cast<std::uint64_t>(v.roster ? v.roster->class_count() : 0));
  summary.finish();
}

}  // namespace rollcall::wal
