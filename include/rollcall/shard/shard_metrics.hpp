#pragma once
/// What a shard's loop counts: connections, io_uring, bytes on the wire and the
/// cross-shard mailboxes. Every shard has one (the auxiliary shard too), written
/// only by its thread (shard.cpp), added to the shard's registry.

#include "rollcall/metrics/metrics.hpp"

namespace rollcall::shard {

struct alignas(64) ShardMetrics {
  metrics::Gauge connections_open;
  metrics::Counter connections_accepted;
  metrics::Counter connections_refused_capacity;  ///< over --max-connections: closed at once
  metrics::Counter accept_errors;                 ///< accept failed (EMFILE, ENFILE, ENOMEM...)
  metrics::Counter connections_refused_address;   ///< over --max-connections-per-ip
  metrics::Counter connections_closed;
  metrics::Counter loop_turns;
  metrics::Counter sqes_submitted;
  metrics::Counter cqes_reaped;
  metrics::Counter stale_completions;       ///< CQE for a reused slot (generation mismatch)
  metrics::Counter recv_buffers_exhausted;  ///< multishot recv ended with -ENOBUFS
  metrics::Counter bytes_received;
  metrics::Counter bytes_sent;
  metrics::Counter backlog_overflows;  ///< connections closed over the output backlog limit
  metrics::Counter output_paused;      ///< reading stopped: owed more than the output budget
  metrics::Counter send_timeouts;      ///< closed: took none of what it was owed for too long
  metrics::Counter linger_aborts;      ///< reset: sent past the input bound while being closed
  metrics::Counter messages_sent;      ///< cross-shard messages posted
  metrics::Counter messages_received;  ///< cross-shard messages handled
  metrics::Counter mailbox_full;       ///< posts that found the SPSC queue full
  metrics::Counter memory_trims;       ///< times free heap pages went back to the kernel
  /// A loop turn's work (everything but waiting for completions): a long turn
  /// delays every connection of the shard.
  metrics::LatencyHistogram turn_busy;

  void describe(metrics::Sink& s) const {
    s.family("rollcall_connections_open", "Connections currently open.").add(connections_open);
    s.family("rollcall_shard_connections_open", "Connections currently open, per shard.")
        .add(connections_open, s.shard_label());
    s.family("rollcall_connections_accepted_total", "Connections accepted.")
        .add(connections_accepted);
    s.family("rollcall_connections_refused_total",
             "Connections closed at once: over --max-connections (capacity), over "
             "--max-connections-per-ip (per_address) or accept failures (accept_error).")
        .add(connections_refused_capacity, {"reason", "capacity"})
        .add(connections_refused_address, {"reason", "per_address"})
        .add(accept_errors, {"reason", "accept_error"});
    s.family("rollcall_connections_closed_total", "Connections closed.").add(connections_closed);
    s.family("rollcall_loop_turns_total", "Event loop iterations.").add(loop_turns);
    s.family("rollcall_io_sqes_submitted_total", "io_uring submission queue entries submitted.")
        .add(sqes_submitted);
    s.family("rollcall_io_cqes_reaped_total", "io_uring completions reaped.").add(cqes_reaped);
    s.family("rollcall_io_stale_completions_total",
             "Completions for a connection slot that was reused since (ignored).")
        .add(stale_completions);
    s.family("rollcall_io_recv_buffers_exhausted_total",
             "Times multishot recv found no free provided buffer (-ENOBUFS) and waited for one.")
        .add(recv_buffers_exhausted);
    s.family("rollcall_net_received_bytes_total", "Bytes received from clients.")
        .add(bytes_received);
    s.family("rollcall_net_sent_bytes_total", "Bytes sent to clients.").add(bytes_sent);
    s.family("rollcall_net_backlog_overflows_total",
             "Connections closed because their unsent output passed the backlog limit.")
        .add(backlog_overflows);
    s.family("rollcall_net_output_paused_total",
             "Times a connection stopped being read because it was owed more than the output "
             "budget (--ws-backlog-bytes-max); it is read again once its output drains.")
        .add(output_paused);
    s.family("rollcall_net_send_timeouts_total",
             "Connections closed because they took none of the bytes owed to them for "
             "--send-timeout-ms.")
        .add(send_timeouts);
    s.family("rollcall_net_linger_aborts_total",
             "Connections reset while closing gracefully because the peer kept sending more "
             "than the per-connection input bound once the close had begun.")
        .add(linger_aborts);
    s.family("rollcall_shard_messages_sent_total", "Cross-shard messages posted.")
        .add(messages_sent);
    s.family("rollcall_shard_messages_received_total", "Cross-shard messages handled.")
        .add(messages_received);
    s.family("rollcall_shard_mailbox_full_total",
             "Posts that found a cross-shard queue full and waited in the sender's overflow.")
        .add(mailbox_full);
    s.family("rollcall_loop_turn_busy_seconds",
             "Time a loop turn spent working (handling completions, mailboxes, timers and "
             "sends), not waiting.")
        .add(turn_busy);
    s.family("rollcall_memory_trims_total",
             "Times a shard, after a storm of connections ended, had the allocator hand free "
             "memory back to the kernel.")
        .add(memory_trims);
  }
};

}  // namespace rollcall::shard
