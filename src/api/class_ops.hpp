#pragma once
// The operations a ClassRequest runs on the class's owner, one per kind (internal
// to api/): reads in class_reads.cpp, writes in class_writes.cpp.

#include <cstdint>

#include "rollcall/api/class_call.hpp"

namespace rollcall::api::ops {

/// What every operation works with, on the owner.
struct OnOwner {
  ShardApi& api;
  const ClassRequest& req;
  const domain::Roster& roster;
  const domain::ClassInfo& cls;
  domain::ClassAttendance& att;
  std::int64_t now_ms;
};

ClassResult current_session(OnOwner& o);
ClassResult attendance(OnOwner& o);
ClassResult audit(OnOwner& o);
ClassResult qr(OnOwner& o);
ClassResult export_csv(OnOwner& o);
ClassResult history(OnOwner& o);  // class_history.cpp
ClassResult report(OnOwner& o);   // class_history.cpp (Report and ReportCsv)

ClassResult open_session(OnOwner& o);
ClassResult close_session(OnOwner& o);
ClassResult check_in(OnOwner& o);
ClassResult override_record(OnOwner& o);
ClassResult bulk(OnOwner& o);

/// An error answer.
ClassResult failed(wire::Error e);

}  // namespace rollcall::api::ops
