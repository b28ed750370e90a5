#pragma once
// A login on its way: made on the accepting shard (api/login.cpp), queued and
// verified on the auth shard (api/auth_worker.cpp), answered back on the accepting
// shard (shard/call.hpp). Private to src/api.

#include <atomic>
#include <optional>
#include <string>

#include "rollcall/api/auth_worker.hpp"
#include "rollcall/api/login_gate.hpp"
#include "rollcall/api/reply.hpp"
#include "rollcall/api/shard_api.hpp"
#include "rollcall/domain/roster.hpp"
#include "rollcall/shard/call.hpp"

namespace rollcall::api {

struct LoginJob {
  AuthWorker* worker;
  const Directory* directory;
  http::Deferred deferred;
  LoginGate::Ticket ticket;       ///< the place it holds in its accepting shard's gate
  const std::atomic<bool>* gone;  ///< set by that gate once the client hung up
  std::string address;            ///< the client's, the auth shard's fairness key
  std::string username;
  std::string password;
  std::optional<domain::User> user;  ///< copy of the roster entry (password hash included)
  Response answer = Reply{};

  LoginJob(AuthWorker* w, const Directory* d, http::Deferred def, LoginGate::Ticket t,
           const std::atomic<bool>* g)
      : worker(w), directory(d), deferred(def), ticket(t), gone(g) {}
  LoginJob(LoginJob&&) = default;
  ~LoginJob();

  /// True once the accepting shard saw the client's connection close.
  bool client_gone() const { return gone->load(std::memory_order_acquire); }

  /// On the auth shard: joins its fair queue (AuthWorker::enqueue).
  void run(shard::Shard&, shard::Reply<LoginJob> reply) { worker->enqueue(std::move(reply)); }
  /// On the auth shard, its turn come: the only place that pays for Argon2id.
  void verify(std::int64_t now_ms);
  /// Back on the accepting shard.
  void finish(shard::Shard& here, net::Connection& c);
  void abandoned(shard::Shard& here);
};

}  // namespace rollcall::api
