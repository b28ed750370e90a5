#include "rollcall/api/auth_worker.hpp"

#include <utility>

#include "rollcall/common/clock.hpp"
#include "src/api/login_job.hpp"

namespace rollcall::api {

AuthWorker::AuthWorker(shard::Shard& shard, const Services& services, std::size_t queue_max,
                       std::size_t per_address_max)
    : shard_(shard), services_(services), queue_(queue_max, per_address_max) {
  shard.registry().add(metrics_);  // before the shard runs
}

void AuthWorker::enqueue(shard::Reply<LoginJob> reply) {
  const std::string address = reply.job().address;
  switch (queue_.push(address, reply)) {
    case auth::FairQueue<shard::Reply<LoginJob>>::Push::Queued:
      metrics_.queue_depth.set(static_cast<std::int64_t>(queue_.size()));
      return;
    case auth::FairQueue<shard::Reply<LoginJob>>::Push::KeyFull:
      count(metrics_, LoginRejection::AddressBusy);
      break;
    case auth::FairQueue<shard::Reply<LoginJob>>::Push::Full:
      count(metrics_, LoginRejection::QueueFull);
      break;
  }
  reply.job().answer = wire::overloaded("too many sign-ins at once; retry shortly");
  reply.send();
}

bool AuthWorker::serve_one() {
  queue_.remove_if([](shard::Reply<LoginJob>& r) { return r.job().client_gone(); },
                   [this](shard::Reply<LoginJob> r) {
                     count(metrics_, LoginRejection::ClientGone);
                     r.send();  // back to its shard, which frees its place in the gate
                   });
  std::optional<shard::Reply<LoginJob>> next = queue_.pop();
  metrics_.queue_depth.set(static_cast<std::int64_t>(queue_.size()));
  if (!next) return false;
  next->job().verify(wall_ms());
  next->send();
  return !queue_.empty();
}

}  // namespace rollcall::api
