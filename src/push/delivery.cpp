#include "rollcall/push/delivery.hpp"

#include <algorithm>

namespace rollcall::push {

std::string_view outcome_name(Outcome outcome) {
  switch (outcome) {
    case Outcome::Delivered: return "delivered";
    case Outcome::Gone: return "gone";
    case Outcome::Rejected: return "rejected";
    case Outcome::GaveUp: return "gave_up";
    case Outcome::Expired: return "expired";
    case Outcome::Dropped: return "dropped";
  }
  return "unknown";
}

namespace {

// Header values and URLs go on the wire as they are: printable ASCII only, so
// nothing can end a header line early or smuggle another.
bool printable(std::string_view s, bool blanks) {
  return std::all_of(s.begin(), s.end(), [blanks](char ch) {
    return (ch > 0x20 && ch < 0x7f) || (blanks && ch == ' ');
  });
}

bool base64url(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char ch) {
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
           ch == '-' || ch == '_';
  });
}

}  // namespace

std::string_view delivery_problem(const Delivery& d) {
  if (d.endpoint.empty() || !printable(d.endpoint, false)) {
    return "the endpoint is empty or not printable ASCII";
  }
  if (d.host.empty()) return "no host";
  if (d.authorization.empty() || d.authorization.size() > kAuthorizationBytesMax ||
      !printable(d.authorization, true)) {
    return "the Authorization value is empty, too long or not printable ASCII";
  }
  if (d.topic.size() > kTopicBytesMax || !base64url(d.topic)) {
    return "the Topic is longer than 32 characters or not base64url";
  }
  if (d.urgency != "very-low" && d.urgency != "low" && d.urgency != "normal" &&
      d.urgency != "high") {
    return "the Urgency is not very-low, low, normal or high";
  }
  if (d.body.size() > kBodyBytesMax) return "the body is over 4096 bytes";
  if (d.ttl_s == 0) return "the TTL is 0";
  return {};
}

}  // namespace rollcall::push
