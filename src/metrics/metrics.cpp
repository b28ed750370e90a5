#include "rollcall/metrics/metrics.hpp"

#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <fstream>

#include "rollcall_build_config.h"

namespace rollcall::metrics {

namespace {

void append_u64(std::string& out, std::uint64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  (void)ec;
  out.append(buf, static_cast<std::size_t>(end - buf));
}

void append_i64(std::string& out, std::int64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  (void)ec;
  out.append(buf, static_cast<std::size_t>(end - buf));
}

void header(std::string& out, const char* name, const char* type, const char* help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

template <typename Get>
std::uint64_t sum(const std::vector<const ShardMetrics*>& shards, Get&& get) {
  std::uint64_t total = 0;
  for (const ShardMetrics* s : shards) total += get(*s);
  return total;
}

template <typename Get>
void counter(std::string& out, const std::vector<const ShardMetrics*>& shards, const char* name,
             const char* help, Get&& get) {
  header(out, name, "counter", help);
  out.append(name).append(" ");
  append_u64(out, sum(shards, get));
  out.append("\n");
}

// Resident set size and open fds from /proc, read at scrape time.
std::uint64_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::uint64_t size_pages = 0, resident_pages = 0;
  statm >> size_pages >> resident_pages;
  return resident_pages * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
}

template <typename Get>
void latency_histogram(std::string& out, const std::vector<const ShardMetrics*>& s,
                       const char* name, const char* help, Get&& get) {
  header(out, name, "histogram", help);
  std::uint64_t cumulative = 0;
  for (std::size_t b = 0; b <= LatencyHistogram::kBoundsNs.size(); ++b) {
    cumulative += sum(s, [&](const ShardMetrics& m) { return get(m).bucket(b); });
    out.append(name).append("_bucket{le=\"");
    if (b < LatencyHistogram::kBoundsNs.size()) {
      char le[32];
      std::snprintf(le, sizeof le, "%g", static_cast<double>(LatencyHistogram::kBoundsNs[b]) / 1e9);
      out.append(le);
    } else {
      out.append("+Inf");
    }
    out.append("\"} ");
    append_u64(out, cumulative);
    out.append("\n");
  }
  char sum_text[48];
  std::snprintf(
      sum_text, sizeof sum_text, "%.9f",
      static_cast<double>(sum(s, [&](const ShardMetrics& m) { return get(m).sum_ns(); })) / 1e9);
  out.append(name).append("_sum ").append(sum_text).append("\n");
  out.append(name).append("_count ");
  append_u64(out, cumulative);
  out.append("\n");
}

}  // namespace

void Exposition::render(std::string& out) const {
  const auto& s = shards_;
  header(out, "rollcall_build_info", "gauge", "Build information; always 1.");
  out.append("rollcall_build_info{version=\"" ROLLCALL_VERSION "\"} 1\n");
  header(out, "rollcall_shards", "gauge", "Shards accepting connections (--shards).");
  out.append("rollcall_shards ");
  append_u64(out, connection_shards_);
  out.append("\n");
  header(out, "rollcall_aux_shards", "gauge",
         "Auxiliary shards (password hashing), without connections.");
  out.append("rollcall_aux_shards ");
  append_u64(out, s.size() - connection_shards_);
  out.append("\n");

  header(out, "rollcall_connections_open", "gauge", "Connections currently open.");
  std::int64_t open = 0;
  for (const ShardMetrics* m : s) open += m->connections_open.get();
  out.append("rollcall_connections_open ");
  append_i64(out, open);
  out.append("\n");
  header(out, "rollcall_shard_connections_open", "gauge", "Connections currently open, per shard.");
  for (std::size_t i = 0; i < s.size(); ++i) {
    out.append("rollcall_shard_connections_open{shard=\"");
    append_u64(out, i);
    out.append("\"} ");
    append_i64(out, s[i]->connections_open.get());
    out.append("\n");
  }

  counter(out, s, "rollcall_connections_accepted_total", "Connections accepted.",
          [](const ShardMetrics& m) { return m.connections_accepted.get(); });
  header(out, "rollcall_connections_refused_total", "counter",
         "Connections closed at once: over --max-connections (capacity) or accept failures "
         "(accept_error).");
  out.append("rollcall_connections_refused_total{reason=\"capacity\"} ");
  append_u64(out,
             sum(s, [](const ShardMetrics& m) { return m.connections_refused_capacity.get(); }));
  out.append("\nrollcall_connections_refused_total{reason=\"accept_error\"} ");
  append_u64(out, sum(s, [](const ShardMetrics& m) { return m.accept_errors.get(); }));
  out.append("\n");
  counter(out, s, "rollcall_connections_closed_total", "Connections closed.",
          [](const ShardMetrics& m) { return m.connections_closed.get(); });

  header(out, "rollcall_http_requests_total", "counter", "HTTP responses sent, by status class.");
  for (int cls = 1; cls <= 5; ++cls) {
    out.append("rollcall_http_requests_total{code=\"");
    out.push_back(static_cast<char>('0' + cls));
    out.append("xx\"} ");
    append_u64(
        out, sum(s, [cls](const ShardMetrics& m) { return m.http_requests_by_class[cls].get(); }));
    out.append("\n");
  }

  latency_histogram(
      out, s, "rollcall_http_request_duration_seconds",
      "Time from a request's head being parsed to its response being queued.",
      [](const ShardMetrics& m) -> const LatencyHistogram& { return m.http_request_duration; });

  header(out, "rollcall_http_timeouts_total", "counter",
         "Connections timed out: header (408, request too slow) or idle (keep-alive).");
  out.append("rollcall_http_timeouts_total{kind=\"header\"} ");
  append_u64(out, sum(s, [](const ShardMetrics& m) { return m.http_timeouts_header.get(); }));
  out.append("\nrollcall_http_timeouts_total{kind=\"idle\"} ");
  append_u64(out, sum(s, [](const ShardMetrics& m) { return m.http_timeouts_idle.get(); }));
  out.append("\n");

  counter(out, s, "rollcall_loop_turns_total", "Event loop iterations.",
          [](const ShardMetrics& m) { return m.loop_turns.get(); });
  counter(out, s, "rollcall_io_sqes_submitted_total",
          "io_uring submission queue entries submitted.",
          [](const ShardMetrics& m) { return m.sqes_submitted.get(); });
  counter(out, s, "rollcall_io_cqes_reaped_total", "io_uring completions reaped.",
          [](const ShardMetrics& m) { return m.cqes_reaped.get(); });
  counter(out, s, "rollcall_io_stale_completions_total",
          "Completions for a connection slot that was reused since (ignored).",
          [](const ShardMetrics& m) { return m.stale_completions.get(); });
  counter(out, s, "rollcall_io_recv_buffers_exhausted_total",
          "Times multishot recv found no free provided buffer (-ENOBUFS) and waited for one.",
          [](const ShardMetrics& m) { return m.recv_buffers_exhausted.get(); });
  counter(out, s, "rollcall_net_received_bytes_total", "Bytes received from clients.",
          [](const ShardMetrics& m) { return m.bytes_received.get(); });
  counter(out, s, "rollcall_net_sent_bytes_total", "Bytes sent to clients.",
          [](const ShardMetrics& m) { return m.bytes_sent.get(); });
  counter(out, s, "rollcall_net_backlog_overflows_total",
          "Connections closed because their unsent output passed the backlog limit.",
          [](const ShardMetrics& m) { return m.backlog_overflows.get(); });
  counter(out, s, "rollcall_shard_messages_sent_total", "Cross-shard messages posted.",
          [](const ShardMetrics& m) { return m.messages_sent.get(); });
  counter(out, s, "rollcall_shard_messages_received_total", "Cross-shard messages handled.",
          [](const ShardMetrics& m) { return m.messages_received.get(); });
  counter(out, s, "rollcall_shard_mailbox_full_total",
          "Posts that found a cross-shard queue full and waited in the sender's overflow.",
          [](const ShardMetrics& m) { return m.mailbox_full.get(); });

  counter(out, s, "rollcall_wal_records_total", "Log records made durable.",
          [](const ShardMetrics& m) { return m.wal_records.get(); });
  counter(out, s, "rollcall_wal_written_bytes_total", "Log bytes written.",
          [](const ShardMetrics& m) { return m.wal_bytes.get(); });
  counter(out, s, "rollcall_wal_fsyncs_total", "Group commits (one fdatasync each).",
          [](const ShardMetrics& m) { return m.wal_syncs.get(); });
  counter(out, s, "rollcall_wal_failures_total",
          "Log write or sync failures (the shard then refuses writes).",
          [](const ShardMetrics& m) { return m.wal_failures.get(); });
  counter(out, s, "rollcall_wal_snapshots_total", "Snapshots written.",
          [](const ShardMetrics& m) { return m.wal_snapshots.get(); });
  latency_histogram(
      out, s, "rollcall_wal_fsync_duration_seconds",
      "Group commit: batch handed to the ring -> durable.",
      [](const ShardMetrics& m) -> const LatencyHistogram& { return m.wal_sync_duration; });
  latency_histogram(
      out, s, "rollcall_wal_snapshot_duration_seconds", "Time to write a snapshot.",
      [](const ShardMetrics& m) -> const LatencyHistogram& { return m.wal_snapshot_duration; });
  header(out, "rollcall_wal_batch_records", "histogram", "Records per group commit.");
  {
    std::uint64_t cumulative = 0;
    for (std::size_t b = 0; b <= CountHistogram::kBuckets; ++b) {
      cumulative += sum(s, [b](const ShardMetrics& m) { return m.wal_batch_records.bucket(b); });
      out.append("rollcall_wal_batch_records_bucket{le=\"");
      if (b < CountHistogram::kBuckets) {
        append_u64(out, 1ull << b);
      } else {
        out.append("+Inf");
      }
      out.append("\"} ");
      append_u64(out, cumulative);
      out.append("\n");
    }
    out.append("rollcall_wal_batch_records_sum ");
    append_u64(out, sum(s, [](const ShardMetrics& m) { return m.wal_batch_records.sum(); }));
    out.append("\nrollcall_wal_batch_records_count ");
    append_u64(out, cumulative);
    out.append("\n");
  }
  header(out, "rollcall_ws_subscribers_open", "gauge",
         "WebSocket subscribers of attendance feeds.");
  {
    std::int64_t subs = 0;
    for (const ShardMetrics* m : s) subs += m->ws_subscribers_open.get();
    out.append("rollcall_ws_subscribers_open ");
    append_i64(out, subs);
    out.append("\n");
  }
  counter(out, s, "rollcall_ws_events_published_total", "Live events published.",
          [](const ShardMetrics& m) { return m.ws_events_published.get(); });
  counter(out, s, "rollcall_ws_frames_sent_total", "Event frames fanned out to subscribers.",
          [](const ShardMetrics& m) { return m.ws_frames_sent.get(); });
  counter(out, s, "rollcall_ws_sent_bytes_total", "Bytes of event frames fanned out.",
          [](const ShardMetrics& m) { return m.ws_bytes_sent.get(); });
  counter(out, s, "rollcall_ws_ring_overruns_total",
          "Times a shard found events already overwritten in a ring.",
          [](const ShardMetrics& m) { return m.ws_ring_overruns.get(); });
  counter(out, s, "rollcall_ws_slow_consumer_closes_total",
          "Subscribers closed with 1013 (too slow).",
          [](const ShardMetrics& m) { return m.ws_slow_closes.get(); });
  header(out, "rollcall_ws_subscriptions_total", "counter",
         "Subscriptions, by whether they resumed.");
  {
    const std::uint64_t all = sum(s, [](const ShardMetrics& m) { return m.ws_resumes.get(); });
    const std::uint64_t rec =
        sum(s, [](const ShardMetrics& m) { return m.ws_resumes_recovered.get(); });
    out.append("rollcall_ws_subscriptions_total{recovered=\"true\"} ");
    append_u64(out, rec);
    out.append("\nrollcall_ws_subscriptions_total{recovered=\"false\"} ");
    append_u64(out, all - rec);
    out.append("\n");
  }
  latency_histogram(
      out, s, "rollcall_ws_publish_to_send_seconds",
      "Event published by the owner -> its frames queued for sending on a shard.",
      [](const ShardMetrics& m) -> const LatencyHistogram& { return m.ws_publish_to_send; });

  counter(out, s, "rollcall_sync_batches_total", "Offline sync batches answered 200.",
          [](const ShardMetrics& m) { return m.sync_batches.get(); });
  header(out, "rollcall_sync_ops_total", "counter", "Offline sync ops, by outcome.");
  {
    static constexpr const char* kOutcomes[] = {"applied", "duplicate", "superseded", "rejected"};
    for (int k = 0; k < 4; ++k) {
      out.append("rollcall_sync_ops_total{outcome=\"");
      out.append(kOutcomes[k]);
      out.append("\"} ");
      append_u64(out, sum(s, [k](const ShardMetrics& m) { return m.sync_ops[k].get(); }));
      out.append("\n");
    }
  }

  header(out, "rollcall_recovery_seconds", "gauge", "Time start-up recovery took.");
  char rec[48];
  std::snprintf(rec, sizeof rec, "%.6f", recovery_seconds_);
  out.append("rollcall_recovery_seconds ").append(rec).append("\n");
  header(out, "rollcall_recovery_records", "gauge", "Log records replayed at start-up.");
  out.append("rollcall_recovery_records ");
  append_u64(out, recovery_records_);
  out.append("\n");

  header(out, "rollcall_process_resident_memory_bytes", "gauge",
         "Resident set size of the process.");
  out.append("rollcall_process_resident_memory_bytes ");
  append_u64(out, resident_bytes());
  out.append("\n");
}

}  // namespace rollcall::metrics
