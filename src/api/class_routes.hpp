#pragma once
// The handlers of class- and session-scoped routes (internal to api/): each checks
// the caller against the roster and hands a ClassRequest to the class's owner.

#include "rollcall/api/class_call.hpp"
#include "rollcall/api/reply.hpp"
#include "rollcall/api/shard_api.hpp"

namespace rollcall::api::routes {

Answer open_session(ShardApi& api, http::Exchange& ex);
Answer current_session(ShardApi& api, http::Exchange& ex);
/// `/sessions/{id}/...` requests with no body: close, attendance, audit.
Answer session_call(ShardApi& api, http::Exchange& ex, ClassRequest::Kind kind, bool staff_only);
Answer qr(ShardApi& api, http::Exchange& ex, ClassRequest::Kind kind);
Answer check_in(ShardApi& api, http::Exchange& ex);
Answer override_record(ShardApi& api, http::Exchange& ex);
Answer bulk(ShardApi& api, http::Exchange& ex);
Answer export_csv(ShardApi& api, http::Exchange& ex);
/// GET /classes/{id}/sessions, /report, /report.csv: a date range over past sessions.
Answer class_range(ShardApi& api, http::Exchange& ex, ClassRequest::Kind kind);

}  // namespace rollcall::api::routes
