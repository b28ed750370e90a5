// /metrics as the server composes it: every subsystem's group of metrics, three
// data shards and the auxiliary shard, must export exactly the names, HELP texts,
// TYPEs and labels clients and dashboards rely on (the list below is what /metrics
// exported before the groups moved beside their owners; values aside).

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "rollcall/api/join_metrics.hpp"
#include "rollcall/api/login_metrics.hpp"
#include "rollcall/api/sync_metrics.hpp"
#include "rollcall/app/ops_routes.hpp"
#include "rollcall/http/server.hpp"
#include "rollcall/live/endpoint.hpp"
#include "rollcall/live/feed.hpp"
#include "rollcall/metrics/metrics.hpp"
#include "rollcall/owner/owner_metrics.hpp"
#include "rollcall/push/sender_metrics.hpp"
#include "rollcall/push/worker_metrics.hpp"
#include "rollcall/shard/proxy_intake.hpp"
#include "rollcall/shard/shard_metrics.hpp"
#include "rollcall/wal/shard_log.hpp"
#include "rollcall_build_config.h"

namespace rollcall::app {
namespace {

// HELP and TYPE lines, and every sample's name and labels except histogram buckets.
constexpr const char* kExported = R"(# HELP rollcall_build_info Build information; always 1.
# TYPE rollcall_build_info gauge
rollcall_build_info{version=")" ROLLCALL_VERSION R"("}
# HELP rollcall_shards Shards accepting connections (--shards).
# TYPE rollcall_shards gauge
rollcall_shards
# HELP rollcall_aux_shards Auxiliary shards (password hashing, roster imports), without connections.
# TYPE rollcall_aux_shards gauge
rollcall_aux_shards
# HELP rollcall_connections_open Connections currently open.
# TYPE rollcall_connections_open gauge
rollcall_connections_open
# HELP rollcall_shard_connections_open Connections currently open, per shard.
# TYPE rollcall_shard_connections_open gauge
rollcall_shard_connections_open{shard="0"}
rollcall_shard_connections_open{shard="1"}
rollcall_shard_connections_open{shard="2"}
rollcall_shard_connections_open{shard="3"}
# HELP rollcall_connections_accepted_total Connections accepted.
# TYPE rollcall_connections_accepted_total counter
rollcall_connections_accepted_total
# HELP rollcall_connections_refused_total Connections closed at once: over --max-connections (capacity), over --max-connections-per-ip (per_address) or accept failures (accept_error).
# TYPE rollcall_connections_refused_total counter
rollcall_connections_refused_total{reason="capacity"}
rollcall_connections_refused_total{reason="per_address"}
rollcall_connections_refused_total{reason="accept_error"}
# HELP rollcall_connections_closed_total Connections closed.
# TYPE rollcall_connections_closed_total counter
rollcall_connections_closed_total
# HELP rollcall_http_requests_total HTTP responses sent, by status class.
# TYPE rollcall_http_requests_total counter
rollcall_http_requests_total{code="1xx"}
rollcall_http_requests_total{code="2xx"}
rollcall_http_requests_total{code="3xx"}
rollcall_http_requests_total{code="4xx"}
rollcall_http_requests_total{code="5xx"}
# HELP rollcall_http_request_duration_seconds Time from a request's head being parsed to its response being queued.
# TYPE rollcall_http_request_duration_seconds histogram
rollcall_http_request_duration_seconds_sum
rollcall_http_request_duration_seconds_count
# HELP rollcall_http_timeouts_total Connections timed out: header (408, request too slow) or idle (keep-alive).
# TYPE rollcall_http_timeouts_total counter
rollcall_http_timeouts_total{kind="header"}
rollcall_http_timeouts_total{kind="idle"}
# HELP rollcall_proxy_protocol_headers_total PROXY protocol headers accepted from trusted proxies (--proxy-protocol), by version.
# TYPE rollcall_proxy_protocol_headers_total counter
rollcall_proxy_protocol_headers_total{version="1"}
rollcall_proxy_protocol_headers_total{version="2"}
# HELP rollcall_proxy_protocol_errors_total Connections from trusted proxies closed for their PROXY header (--proxy-protocol): other bytes first (not_proxy), too_long, malformed, bad_address, bad_port, unsupported (v2 version, command, family or protocol), closed part-way (truncated), or not whole within --header-timeout-ms (timeout).
# TYPE rollcall_proxy_protocol_errors_total counter
rollcall_proxy_protocol_errors_total{reason="not_proxy"}
rollcall_proxy_protocol_errors_total{reason="too_long"}
rollcall_proxy_protocol_errors_total{reason="malformed"}
rollcall_proxy_protocol_errors_total{reason="bad_address"}
rollcall_proxy_protocol_errors_total{reason="bad_port"}
rollcall_proxy_protocol_errors_total{reason="unsupported"}
rollcall_proxy_protocol_errors_total{reason="truncated"}
rollcall_proxy_protocol_errors_total{reason="timeout"}
# HELP rollcall_loop_turns_total Event loop iterations.
# TYPE rollcall_loop_turns_total counter
rollcall_loop_turns_total
# HELP rollcall_io_sqes_submitted_total io_uring submission queue entries submitted.
# TYPE rollcall_io_sqes_submitted_total counter
rollcall_io_sqes_submitted_total
# HELP rollcall_io_cqes_reaped_total io_uring completions reaped.
# TYPE rollcall_io_cqes_reaped_total counter
rollcall_io_cqes_reaped_total
# HELP rollcall_io_stale_completions_total Completions for a connection slot that was reused since (ignored).
# TYPE rollcall_io_stale_completions_total counter
rollcall_io_stale_completions_total
# HELP rollcall_io_recv_buffers_exhausted_total Times multishot recv found no free provided buffer (-ENOBUFS) and waited for one.
# TYPE rollcall_io_recv_buffers_exhausted_total counter
rollcall_io_recv_buffers_exhausted_total
# HELP rollcall_net_received_bytes_total Bytes received from clients.
# TYPE rollcall_net_received_bytes_total counter
rollcall_net_received_bytes_total
# HELP rollcall_net_sent_bytes_total Bytes sent to clients.
# TYPE rollcall_net_sent_bytes_total counter
rollcall_net_sent_bytes_total
# HELP rollcall_net_backlog_overflows_total Connections closed because their unsent output passed the backlog limit.
# TYPE rollcall_net_backlog_overflows_total counter
rollcall_net_backlog_overflows_total
# HELP rollcall_net_output_paused_total Times a connection stopped being read because it was owed more than the output budget (--ws-backlog-bytes-max); it is read again once its output drains.
# TYPE rollcall_net_output_paused_total counter
rollcall_net_output_paused_total
# HELP rollcall_net_linger_aborts_total Connections reset while closing gracefully because the peer kept sending more than the per-connection input bound once the close had begun.
# TYPE rollcall_net_linger_aborts_total counter
rollcall_net_linger_aborts_total
# HELP rollcall_net_send_timeouts_total Connections closed because they took none of the bytes owed to them for --send-timeout-ms.
# TYPE rollcall_net_send_timeouts_total counter
rollcall_net_send_timeouts_total
# HELP rollcall_shard_messages_sent_total Cross-shard messages posted.
# TYPE rollcall_shard_messages_sent_total counter
rollcall_shard_messages_sent_total
# HELP rollcall_shard_messages_received_total Cross-shard messages handled.
# TYPE rollcall_shard_messages_received_total counter
rollcall_shard_messages_received_total
# HELP rollcall_shard_mailbox_full_total Posts that found a cross-shard queue full and waited in the sender's overflow.
# TYPE rollcall_shard_mailbox_full_total counter
rollcall_shard_mailbox_full_total
# HELP rollcall_loop_turn_busy_seconds Time a loop turn spent working (handling completions, mailboxes, timers and sends), not waiting.
# TYPE rollcall_loop_turn_busy_seconds histogram
rollcall_loop_turn_busy_seconds_sum
rollcall_loop_turn_busy_seconds_count
# HELP rollcall_memory_trims_total Times a shard, after a storm of connections ended, had the allocator hand free memory back to the kernel.
# TYPE rollcall_memory_trims_total counter
rollcall_memory_trims_total
# HELP rollcall_wal_records_total Log records made durable.
# TYPE rollcall_wal_records_total counter
rollcall_wal_records_total
# HELP rollcall_wal_written_bytes_total Log bytes written.
# TYPE rollcall_wal_written_bytes_total counter
rollcall_wal_written_bytes_total
# HELP rollcall_wal_fsyncs_total Group commits (one fdatasync each).
# TYPE rollcall_wal_fsyncs_total counter
rollcall_wal_fsyncs_total
# HELP rollcall_wal_failures_total Log write or sync failures (the shard then refuses writes).
# TYPE rollcall_wal_failures_total counter
rollcall_wal_failures_total
# HELP rollcall_wal_snapshots_total Snapshots written.
# TYPE rollcall_wal_snapshots_total counter
rollcall_wal_snapshots_total
# HELP rollcall_wal_fsync_duration_seconds Group commit: batch handed to the ring -> durable.
# TYPE rollcall_wal_fsync_duration_seconds histogram
rollcall_wal_fsync_duration_seconds_sum
rollcall_wal_fsync_duration_seconds_count
# HELP rollcall_wal_commit_wait_seconds Group commit: a batch's oldest record appended -> durable (waiting for the fsync in flight, then its own).
# TYPE rollcall_wal_commit_wait_seconds histogram
rollcall_wal_commit_wait_seconds_sum
rollcall_wal_commit_wait_seconds_count
# HELP rollcall_wal_snapshot_duration_seconds Time to write a snapshot.
# TYPE rollcall_wal_snapshot_duration_seconds histogram
rollcall_wal_snapshot_duration_seconds_sum
rollcall_wal_snapshot_duration_seconds_count
# HELP rollcall_wal_batch_records Records per group commit.
# TYPE rollcall_wal_batch_records histogram
rollcall_wal_batch_records_sum
rollcall_wal_batch_records_count
# HELP rollcall_ws_subscribers_open WebSocket subscribers of attendance feeds.
# TYPE rollcall_ws_subscribers_open gauge
rollcall_ws_subscribers_open
# HELP rollcall_ws_events_published_total Live events published.
# TYPE rollcall_ws_events_published_total counter
rollcall_ws_events_published_total
# HELP rollcall_ws_frames_sent_total Event frames fanned out to subscribers.
# TYPE rollcall_ws_frames_sent_total counter
rollcall_ws_frames_sent_total
# HELP rollcall_ws_sent_bytes_total Bytes of event frames fanned out.
# TYPE rollcall_ws_sent_bytes_total counter
rollcall_ws_sent_bytes_total
# HELP rollcall_ws_ring_overruns_total Times a shard found events already overwritten in a ring.
# TYPE rollcall_ws_ring_overruns_total counter
rollcall_ws_ring_overruns_total
# HELP rollcall_ws_slow_consumer_closes_total Subscribers closed with 1013 (too slow).
# TYPE rollcall_ws_slow_consumer_closes_total counter
rollcall_ws_slow_consumer_closes_total
# HELP rollcall_ws_token_expired_closes_total Subscribers closed with 1008 token_expired when their token expired.
# TYPE rollcall_ws_token_expired_closes_total counter
rollcall_ws_token_expired_closes_total
# HELP rollcall_ws_subscriptions_refused_total Subscriptions refused with 429 because their user already held --max-subscriptions-per-user.
# TYPE rollcall_ws_subscriptions_refused_total counter
rollcall_ws_subscriptions_refused_total
# HELP rollcall_ws_subscriptions_total Subscriptions, by whether they resumed.
# TYPE rollcall_ws_subscriptions_total counter
rollcall_ws_subscriptions_total{recovered="true"}
rollcall_ws_subscriptions_total{recovered="false"}
# HELP rollcall_ws_publish_to_send_seconds Event published by the owner -> its frames queued for sending on a shard.
# TYPE rollcall_ws_publish_to_send_seconds histogram
rollcall_ws_publish_to_send_seconds_sum
rollcall_ws_publish_to_send_seconds_count
# HELP rollcall_sync_batches_total Offline sync batches answered 200.
# TYPE rollcall_sync_batches_total counter
rollcall_sync_batches_total
# HELP rollcall_sync_ops_total Offline sync ops, by outcome.
# TYPE rollcall_sync_ops_total counter
rollcall_sync_ops_total{outcome="applied"}
rollcall_sync_ops_total{outcome="duplicate"}
rollcall_sync_ops_total{outcome="superseded"}
rollcall_sync_ops_total{outcome="rejected"}
# HELP rollcall_login_rejected_total Logins answered without a password check: 503 because too many wait (queue_full), or too many from one client address (address_busy) or for one username (username_busy); or dropped unanswered because the client hung up (client_gone).
# TYPE rollcall_login_rejected_total counter
rollcall_login_rejected_total{reason="queue_full"}
rollcall_login_rejected_total{reason="address_busy"}
rollcall_login_rejected_total{reason="username_busy"}
rollcall_login_rejected_total{reason="client_gone"}
# HELP rollcall_login_verifications_total Argon2id password checks run for logins.
# TYPE rollcall_login_verifications_total counter
rollcall_login_verifications_total
# HELP rollcall_login_queue_depth Logins waiting for the auth shard's password check.
# TYPE rollcall_login_queue_depth gauge
rollcall_login_queue_depth
# HELP rollcall_join_rejected_total Class joins refused: a code no class has (invalid_join_code), or a student who sent too many such codes recently (too_many_attempts).
# TYPE rollcall_join_rejected_total counter
rollcall_join_rejected_total{reason="invalid_join_code"}
rollcall_join_rejected_total{reason="too_many_attempts"}
# HELP rollcall_sync_rejections_total Offline sync ops rejected, by reason (error code; other codes count as other).
# TYPE rollcall_sync_rejections_total counter
rollcall_sync_rejections_total{reason="offline_too_old"}
rollcall_sync_rejections_total{reason="too_many_changes"}
rollcall_sync_rejections_total{reason="invalid_client_time"}
rollcall_sync_rejections_total{reason="invalid_code"}
rollcall_sync_rejections_total{reason="other"}
# HELP rollcall_reads_held_for_log_total Reads (REST, CSV, WebSocket snapshot) of a class whose latest change was not yet durable, so answered only once it was (nothing is shown before it is durable).
# TYPE rollcall_reads_held_for_log_total counter
rollcall_reads_held_for_log_total
# HELP rollcall_recovery_seconds Time start-up recovery took.
# TYPE rollcall_recovery_seconds gauge
rollcall_recovery_seconds
# HELP rollcall_recovery_records Log records replayed at start-up.
# TYPE rollcall_recovery_records gauge
rollcall_recovery_records
# HELP rollcall_push_queued_total Push deliveries accepted into the outgoing queue.
# TYPE rollcall_push_queued_total counter
rollcall_push_queued_total
# HELP rollcall_push_sent_total Push deliveries the push service accepted (201/202).
# TYPE rollcall_push_sent_total counter
rollcall_push_sent_total
# HELP rollcall_push_failed_total Failed push attempts, by answer (404, 410, 429, other 4xx, 5xx, other statuses) or by what failed below HTTP (timeout, network, tls, blocked_address: not a public address).
# TYPE rollcall_push_failed_total counter
rollcall_push_failed_total{status="404"}
rollcall_push_failed_total{status="410"}
rollcall_push_failed_total{status="429"}
rollcall_push_failed_total{status="4xx"}
rollcall_push_failed_total{status="5xx"}
rollcall_push_failed_total{status="other"}
rollcall_push_failed_total{status="timeout"}
rollcall_push_failed_total{status="network"}
rollcall_push_failed_total{status="tls"}
rollcall_push_failed_total{status="blocked_address"}
# HELP rollcall_push_retries_total Push attempts scheduled again after a failure.
# TYPE rollcall_push_retries_total counter
rollcall_push_retries_total
# HELP rollcall_push_dropped_total Push deliveries given up: the queue was full (queue_full), retries ran out (retries_exhausted), the TTL ran out (expired), a newer one of the same topic replaced it (replaced), or the push service refused it or it could not be sent (rejected).
# TYPE rollcall_push_dropped_total counter
rollcall_push_dropped_total{reason="queue_full"}
rollcall_push_dropped_total{reason="retries_exhausted"}
rollcall_push_dropped_total{reason="expired"}
rollcall_push_dropped_total{reason="replaced"}
rollcall_push_dropped_total{reason="rejected"}
# HELP rollcall_push_subscriptions_gone_total Push deliveries answered 404 or 410: the subscription is deleted.
# TYPE rollcall_push_subscriptions_gone_total counter
rollcall_push_subscriptions_gone_total
# HELP rollcall_push_latency_seconds Push delivery latency: the causing event to the push service's 201/202.
# TYPE rollcall_push_latency_seconds histogram
rollcall_push_latency_seconds_sum
rollcall_push_latency_seconds_count
# HELP rollcall_push_late_total Push deliveries accepted by the push service over 5 s after their event.
# TYPE rollcall_push_late_total counter
rollcall_push_late_total
# HELP rollcall_push_queue_depth Push deliveries waiting to be sent or for a retry (not in flight).
# TYPE rollcall_push_queue_depth gauge
rollcall_push_queue_depth
# HELP rollcall_push_in_flight Push requests sent and not yet answered.
# TYPE rollcall_push_in_flight gauge
rollcall_push_in_flight
# HELP rollcall_push_messages_total Notifications for one user that events produced, by kind, before batching.
# TYPE rollcall_push_messages_total counter
rollcall_push_messages_total{kind="session_opened"}
rollcall_push_messages_total{kind="status_changed"}
rollcall_push_messages_total{kind="missing_digest"}
# HELP rollcall_push_batched_total Notifications merged into one still waiting for the same user, kind and session (--push-batch-ms).
# TYPE rollcall_push_batched_total counter
rollcall_push_batched_total
# HELP rollcall_push_unwanted_total Notifications not sent because the user's preferences turn their kind off.
# TYPE rollcall_push_unwanted_total counter
rollcall_push_unwanted_total
# HELP rollcall_push_notes_dropped_total Notifications dropped before delivery: the worker's inbox was full (inbox_full) or too many waited in batches (batch_full).
# TYPE rollcall_push_notes_dropped_total counter
rollcall_push_notes_dropped_total{reason="inbox_full"}
rollcall_push_notes_dropped_total{reason="batch_full"}
# HELP rollcall_push_subscriptions Push subscriptions the server delivers to.
# TYPE rollcall_push_subscriptions gauge
rollcall_push_subscriptions
# HELP rollcall_push_worker_wakeups_total Times a note woke the push worker; while notes keep coming it looks every 10 ms without one.
# TYPE rollcall_push_worker_wakeups_total counter
rollcall_push_worker_wakeups_total
# HELP rollcall_process_resident_memory_bytes Resident set size of the process.
# TYPE rollcall_process_resident_memory_bytes gauge
rollcall_process_resident_memory_bytes)";

// Histograms and their bucket count.
const std::map<std::string, std::size_t> kHistograms = {
    {"rollcall_http_request_duration_seconds", 17}, {"rollcall_wal_fsync_duration_seconds", 17},
    {"rollcall_wal_commit_wait_seconds", 17},       {"rollcall_loop_turn_busy_seconds", 17},
    {"rollcall_wal_snapshot_duration_seconds", 17}, {"rollcall_wal_batch_records", 14},
    {"rollcall_ws_publish_to_send_seconds", 17},    {"rollcall_push_latency_seconds", 17},
};

// A data shard's groups, as serve.cpp's parts hold them.
struct DataShard {
  shard::ShardMetrics loop;
  wal::LogMetrics log;
  owner::OwnerMetrics owner;
  live::FeedMetrics feeds;
  live::EndpointMetrics endpoint;
  api::SyncMetrics sync;
  api::LoginMetrics login;
  api::JoinMetrics join;
  http::HttpMetrics http;
  shard::ProxyIntakeMetrics intake;
};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

TEST(Exposition, EveryGroupExportsTheNamesClientsRelyOn) {
  ProcessMetrics process{3, 1, 0.25, 7};
  metrics::Registry process_registry;
  process_registry.add(process);
  push::SenderMetrics push_sender;  // the push worker's sender: once, not per shard
  process_registry.add(push_sender);
  push::WorkerMetrics push_worker;
  process_registry.add(push_worker);
  DataShard data[3];
  shard::ShardMetrics aux;
  api::LoginMetrics aux_login;  // the auth shard's AuthWorker
  std::vector<std::unique_ptr<metrics::Registry>> shards;
  for (unsigned i = 0; i < 3; ++i) {
    shards.push_back(std::make_unique<metrics::Registry>(i));
    // In the order serve.cpp adds them: shard, log, owner, feeds, endpoint, API, HTTP,
    // the PROXY header intake.
    shards[i]->add(data[i].loop);
    shards[i]->add(data[i].log);
    shards[i]->add(data[i].owner);
    shards[i]->add(data[i].feeds);
    shards[i]->add(data[i].endpoint);
    shards[i]->add(data[i].sync);
    shards[i]->add(data[i].login);
    shards[i]->add(data[i].join);
    shards[i]->add(data[i].http);
    shards[i]->add(data[i].intake);
  }
  shards.push_back(std::make_unique<metrics::Registry>(3));
  shards[3]->add(aux);  // the auxiliary shard: its loop and the auth worker
  shards[3]->add(aux_login);
  std::vector<const metrics::Registry*> all{&process_registry};
  for (const auto& s : shards) all.push_back(s.get());
  data[1].http.requests_by_class[2].inc(5);
  data[2].http.requests_by_class[2].inc(6);
  data[0].feeds.subscriptions_recovered.inc();
  data[1].feeds.subscriptions_fresh.inc(2);
  data[2].loop.connections_open.add(4);
  data[0].login.rejected[1].inc(3);  // address_busy, counted where the login arrived
  aux_login.rejected[3].inc(2);      // client_gone, counted by the auth worker
  aux_login.queue_depth.set(5);
  data[0].intake.refused[7].inc(2);  // timeout, summed over shards
  data[2].intake.refused[7].inc(1);
  push_sender.dropped[static_cast<unsigned>(push::DropReason::QueueFull)].inc(4);
  push_sender.failed[static_cast<unsigned>(push::FailureReason::BlockedAddress)].inc(2);
  push_sender.latency.observe_ns(6'000'000'000);
  push_sender.queue_depth.set(9);

  std::string text;
  metrics::Exposition(all).render(text);
  std::vector<std::string> got;
  std::map<std::string, std::size_t> buckets;
  std::map<std::string, std::string> value;
  for (const std::string& line : lines_of(text)) {
    if (line.rfind("#", 0) == 0) {
      got.push_back(line);
      continue;
    }
    const std::string key = line.substr(0, line.rfind(' '));
    value[key] = line.substr(line.rfind(' ') + 1);
    const std::size_t b = key.find("_bucket{");
    if (b == std::string::npos) {
      got.push_back(key);
    } else {
      ++buckets[key.substr(0, b)];
    }
  }
  std::vector<std::string> want = lines_of(kExported);
  std::sort(got.begin(), got.end());
  std::sort(want.begin(), want.end());
  EXPECT_EQ(got, want);
  EXPECT_EQ(buckets, kHistograms);
  // Summed over shards where a sum is meant; per shard where the label says so.
  EXPECT_EQ(value["rollcall_http_requests_total{code=\"2xx\"}"], "11");
  EXPECT_EQ(value["rollcall_ws_subscriptions_total{recovered=\"true\"}"], "1");
  EXPECT_EQ(value["rollcall_ws_subscriptions_total{recovered=\"false\"}"], "2");
  EXPECT_EQ(value["rollcall_connections_open"], "4");
  EXPECT_EQ(value["rollcall_shard_connections_open{shard=\"2\"}"], "4");
  EXPECT_EQ(value["rollcall_shard_connections_open{shard=\"3\"}"], "0");
  EXPECT_EQ(value["rollcall_shards"], "3");
  EXPECT_EQ(value["rollcall_aux_shards"], "1");
  EXPECT_EQ(value["rollcall_recovery_seconds"], "0.250000");
  EXPECT_EQ(value["rollcall_recovery_records"], "7");
  EXPECT_EQ(value["rollcall_login_rejected_total{reason=\"address_busy\"}"], "3");
  EXPECT_EQ(value["rollcall_login_rejected_total{reason=\"client_gone\"}"], "2");
  EXPECT_EQ(value["rollcall_login_queue_depth"], "5");
  EXPECT_EQ(value["rollcall_proxy_protocol_errors_total{reason=\"timeout\"}"], "3");
  EXPECT_EQ(value["rollcall_push_dropped_total{reason=\"queue_full\"}"], "4");
  EXPECT_EQ(value["rollcall_push_failed_total{status=\"blocked_address\"}"], "2");
  EXPECT_EQ(value["rollcall_push_latency_seconds_count"], "1");
  EXPECT_EQ(value["rollcall_push_queue_depth"], "9");
}

}  // namespace
}  // namespace rollcall::app
