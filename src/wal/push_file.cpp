#include "rollcall/wal/push_file.hpp"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "rollcall/wal/crc32c.hpp"
#include "rollcall/wal/records.hpp"
#include "rollcall/wal/store.hpp"

namespace rollcall::wal {

namespace {

constexpr char kMagic[8] = {'R', 'C', 'P', 'U', 'S', 'H', '0', '1'};
constexpr std::size_t kFixedBytes = sizeof kMagic + 8 + 4;
constexpr std::size_t kCrcBytes = 4;
constexpr std::size_t kEntryHeaderBytes = 1 + 4;

void put(std::string& out, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}

std::uint64_t get(std::string_view in, std::size_t at, int bytes) {
  std::uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(in[at + i]);
  return v;
}

void put_entry(std::string& out, const domain::Command& c) {
  std::string payload;
  encode(payload, c);
  put(out, static_cast<std::uint8_t>(type_of(c)), 1);
  put(out, payload.size(), 4);
  out.append(payload);
}

// Adds one decoded entry to `users`; false if it is not one a push file holds.
bool take(const domain::Command& c,
          std::map<domain::UserId, domain::PushDirectory::UserPush>& users) {
  if (const auto* p = std::get_if<domain::SetPushPreferences>(&c)) {
    users[p->user].preferences = p->preferences();
    return true;
  }
  if (const auto* s = std::get_if<domain::Subscribe>(&c)) {
    users[s->user].subscriptions.push_back(
        domain::PushSubscription{s->id, s->user, s->endpoint, s->p256dh, s->auth, s->now_ms});
    return true;
  }
  return false;
}

}  // namespace

std::string encode_push_directory(const domain::PushDirectory& directory) {
  std::vector<domain::Command> entries;
  std::vector<domain::Subscribe> subs;
  for (const auto& [user, push] : directory.users()) {
    if (!(push.preferences == domain::PushPreferences{})) {
      const domain::PushPreferences& p = push.preferences;
      entries.emplace_back(domain::SetPushPreferences{user, p.session_opened, p.status_changed,
                                                      p.missing_digest, 0});
    }
    for (const domain::PushSubscription& s : push.subscriptions)
      subs.push_back(domain::Subscribe{user, s.id, s.endpoint, s.p256dh, s.auth, s.created_ms});
  }
  std::sort(subs.begin(), subs.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  for (domain::Subscribe& s : subs) entries.emplace_back(std::move(s));
  std::string out(kMagic, sizeof kMagic);
  put(out, directory.next_id(), 8);
  put(out, entries.size(), 4);
  for (const domain::Command& c : entries) put_entry(out, c);
  put(out, crc32c(out.data(), out.size()), 4);
  return out;
}

Result<domain::PushDirectory> decode_push_directory(std::string_view bytes) {
  if (bytes.size() < kFixedBytes + kCrcBytes) return Error{"push file too short"};
  const std::string_view body = bytes.substr(0, bytes.size() - kCrcBytes);
  if (get(bytes, body.size(), 4) != crc32c(body.data(), body.size()))
    return Error{"push file CRC mismatch"};
  if (std::memcmp(body.data(), kMagic, sizeof kMagic) != 0) return Error{"not a push file"};
  const std::uint64_t next_id = get(body, sizeof kMagic, 8);
  const std::uint64_t count = get(body, sizeof kMagic + 8, 4);
  std::map<domain::UserId, domain::PushDirectory::UserPush> users;
  std::size_t at = kFixedBytes;
  for (std::uint64_t i = 0; i < count; ++i) {
    if (body.size() - at < kEntryHeaderBytes) return Error{"push file entry cut short"};
    const auto type = static_cast<std::uint8_t>(get(body, at, 1));
    const std::uint64_t len = get(body, at + 1, 4);
    at += kEntryHeaderBytes;
    if (!is_known(type) || body.size() - at < len) return Error{"push file entry malformed"};
    std::optional<domain::Command> c = decode(static_cast<RecordType>(type), body.substr(at, len));
    if (!c || !take(*c, users)) return Error{"push file entry " + std::to_string(i) + " malformed"};
    at += len;
  }
  if (at != body.size()) return Error{"push file has bytes after its entries"};
  std::optional<domain::PushDirectory> d =
      domain::PushDirectory::from_parts(std::move(users), next_id);
  if (!d) return Error{"push file is inconsistent (ids, limits or keys)"};
  return std::move(*d);
}

Result<domain::PushDirectory> read_push_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec) && !ec) return domain::PushDirectory{};
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"cannot read " + path};
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Result<domain::PushDirectory> d = decode_push_directory(bytes);
  if (!d) return Error{path + ": " + d.error()};
  return d;
}

Status write_push_file(const std::string& path, const domain::PushDirectory& directory) {
  return write_file_atomically(path, encode_push_directory(directory));
}

}  // namespace rollcall::wal
