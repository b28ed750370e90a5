#include "rollcall/wal/roster_file.hpp"

#include <simdjson.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "rollcall/common/json_writer.hpp"
#include "rollcall/wal/store.hpp"

namespace rollcall::wal {

using namespace domain;

namespace {
constexpr std::string_view kRosterFormat = "rollcall-roster";
constexpr std::uint64_t kRosterFormatVersion = 1;
}  // namespace

std::string encode_roster(const Roster& roster) {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.field("format", kRosterFormat)
      .field("format_version", kRosterFormatVersion)
      .field("roster_version", roster.version());
  w.key("users").begin_array();
  for (const User* u : roster.users()) {
    w.begin_object();
    w.field("id", u->id.value).field("username", u->username).field("name", u->name);
    w.field("role", to_string(u->role))
        .field("password_hash", u->password_hash)
        .field("sourced_id", u->sourced_id);
    w.end_object();
  }
  w.end_array().key("classes").begin_array();
  for (const ClassInfo* c : roster.classes()) {
    w.begin_object();
    w.field("id", c->id.value).field("name", c->name).field("join_code", c->join_code);
    w.field("sourced_id", c->sourced_id);
    w.key("teachers").begin_array();
    for (const UserId t : c->teachers) w.value(t.value);
    w.end_array().key("students").begin_array();
    for (const UserId s : c->students) w.value(s.value);
    w.end_array().end_object();
  }
  w.end_array().end_object();
  out.push_back('\n');
  return out;
}

Result<std::shared_ptr<const Roster>> decode_roster(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(json.data(), json.size()).get(doc) != simdjson::SUCCESS)
    return Error{"not valid JSON"};
  std::string_view format;
  std::uint64_t format_version = 0, roster_version = 0;
  if (doc["format"].get(format) || format != kRosterFormat)
    return Error{"not a rollcall roster (format)"};
  if (doc["format_version"].get(format_version) || format_version != kRosterFormatVersion) {
    return Error{"unsupported roster format_version"};
  }
  if (doc["roster_version"].get(roster_version)) return Error{"missing roster_version"};
  RosterBuilder b;
  b.set_version(roster_version);
  simdjson::dom::array users, classes;
  if (doc["users"].get(users) || doc["classes"].get(classes))
    return Error{"missing users or classes"};
  for (simdjson::dom::element e : users) {
    User u;
    std::uint64_t id = 0;
    std::string_view username, name, role, hash, sourced;
    if (e["id"].get(id) || e["username"].get(username) || e["name"].get(name) ||
        e["role"].get(role) || e["password_hash"].get(hash) || e["sourced_id"].get(sourced)) {
      return Error{"a user entry lacks a field"};
    }
    const std::optional<Role> r = role_from_string(role);
    if (!r) return Error{"user " + std::to_string(id) + " has an unknown role"};
    u.id = UserId{id};
    u.username = username;
    u.name = name;
    u.role = *r;
    u.password_hash = hash;
    u.sourced_id = sourced;
    if (!b.add_user(std::move(u)))
      return Error{"duplicate user id or username (user " + std::to_string(id) + ")"};
  }
  for (simdjson::dom::element e : classes) {
    ClassInfo c;
    std::uint64_t id = 0;
    std::string_view name, code, sourced;
    simdjson::dom::array teachers, students;
    if (e["id"].get(id) || e["name"].get(name) || e["join_code"].get(code) ||
        e["sourced_id"].get(sourced) || e["teachers"].get(teachers) ||
        e["students"].get(students)) {
      return Error{"a class entry lacks a field"};
    }
    c.id = ClassId{id};
    c.name = name;
    c.join_code = code;
    c.sourced_id = sourced;
    if (!b.add_class(std::move(c)))
      return Error{"duplicate or invalid class id " + std::to_string(id)};
    for (simdjson::dom::element t : teachers) {
      std::uint64_t tid = 0;
      if (t.get(tid) || !b.assign_teacher(UserId{tid}, ClassId{id})) {
        return Error{"class " + std::to_string(id) + " names an unknown teacher"};
      }
    }
    for (simdjson::dom::element s : students) {
      std::uint64_t sid = 0;
      if (s.get(sid) || !b.enroll(UserId{sid}, ClassId{id})) {
        return Error{"class " + std::to_string(id) + " names an unknown student"};
      }
    }
  }
  return b.build();
}

Result<std::shared_ptr<const Roster>> read_roster_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"cannot read " + path + ": " + std::strerror(errno)};
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Result<std::shared_ptr<const Roster>> r = decode_roster(text);
  if (!r) return Error{path + ": " + r.error()};
  return r;
}

rollcall::Status write_roster_file(const std::string& path, const Roster& roster) {
  return write_file_atomically(path, encode_roster(roster));
}

std::string seed_roster_path(const std::string& data_dir) {
  return data_dir + "/roster.json";
}

std::string active_roster_path(const std::string& data_dir) {
  const LogStore store(data_dir);
  Result<std::uint64_t> gen = store.current_generation();
  if (gen.ok() && *gen > 0) return store.roster_path(*gen);
  const std::string seed = seed_roster_path(data_dir);
  return ::access(seed.c_str(), F_OK) == 0 ? seed : std::string();
}

}  // namespace rollcall::wal
