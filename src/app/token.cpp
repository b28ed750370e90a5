#include "rollcall/app/token.hpp"

#include <sodium.h>

#include <cstdio>
#include <string>
#include <vector>

#include "rollcall/app/data_format.hpp"
#include "rollcall/auth/jwt.hpp"
#include "rollcall/auth/secret.hpp"
#include "rollcall/common/clock.hpp"
#include "rollcall/wal/roster_file.hpp"

namespace rollcall::app {

int run_token(const TokenConfig& config) {
  auto fail = [](const std::string& why) {
    std::fprintf(stderr, "rollcall: %s\n", why.c_str());
    return 1;
  };
  if (sodium_init() < 0) return fail("libsodium failed to initialise");
  if (Result<std::uint32_t> f = check_data_format(config.data_dir, FormatUse::Read); !f) {
    return fail(f.error());
  }
  const std::string path = wal::active_roster_path(config.data_dir);
  if (path.empty())
    return fail("no roster in " + config.data_dir +
                " (has a server run there with --demo, or a roster been imported?)");
  auto roster = wal::read_roster_file(path);
  if (!roster) return fail(roster.error());
  std::vector<const domain::User*> users;
  users.reserve(config.usernames.size());
  for (const std::string& name : config.usernames) {
    const domain::User* user = (*roster)->user_by_username(name);
    if (user == nullptr) return fail("no user '" + name + "' in " + path);
    users.push_back(user);
  }
  // The secret exists wherever a server has run; reading it takes no lock, so this
  // works while the server runs (and never creates one behind the server's back).
  Result<auth::Key> secret = auth::load_secret(config.data_dir + "/jwt.secret");
  if (!secret) return fail(secret.error());
  const auth::JwtCodec jwt(auth::derive_key(*secret, "jwt"));
  const std::int64_t now_s = wall_ms() / 1000;
  std::string out;
  for (const domain::User* user : users) {
    out += jwt.issue(user->id.value, user->role, now_s, config.ttl_s);
    out += '\n';
  }
  if (std::fwrite(out.data(), 1, out.size(), stdout) != out.size() || std::fflush(stdout) != 0) {
    return fail("cannot write the tokens to stdout");
  }
  return 0;
}

}  // namespace rollcall::app
