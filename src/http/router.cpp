#include "rollcall/http/router.hpp"

#include <algorithm>

#include "rollcall/common/assert.hpp"

namespace rollcall::http {

std::optional<std::uint64_t> RouteParams::id(std::size_t i) const {
  const std::string_view v = (*this)[i];
  if (v.empty() || v.size() > 19 || v[0] == '0') return std::nullopt;
  std::uint64_t out = 0;
  for (const char ch : v) {
    if (ch < '0' || ch > '9') return std::nullopt;
    out = out * 10 + static_cast<std::uint64_t>(ch - '0');
  }
  if (out > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
  return out;
}

namespace {

std::vector<std::string> split_pattern(std::string_view pattern) {
  RC_ASSERT(!pattern.empty() && pattern.front() == '/');
  RC_ASSERT(std::count(pattern.begin(), pattern.end(), '/') <=
            static_cast<long>(Router::kSegmentsMax));
  std::vector<std::string> segments;
  std::size_t start = 1;
  while (true) {
    const std::size_t slash = pattern.find('/', start);
    const std::string_view seg = pattern.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (seg.size() >= 2 && seg.front() == '{' && seg.back() == '}') {
      segments.emplace_back("{}");
    } else {
      segments.emplace_back(seg);
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return segments;
}

void rebuild_allow(std::vector<std::string>& methods_out, std::string& allow) {
  allow.clear();
  for (const std::string& m : methods_out) {
    if (!allow.empty()) allow.append(", ");
    allow.append(m);
  }
}

}  // namespace

void Router::add(std::string_view method_name, std::string_view pattern, Handler handler,
                 UploadPolicy upload) {
  RC_ASSERT(upload.admit && upload.body_bytes_max > 0);
  upload_bytes_max_ = std::max(upload_bytes_max_, upload.body_bytes_max);
  add(method_name, pattern, std::move(handler));
  for (Route& r : routes_) {
    for (Entry& e : r.entries) {
      if (e.method == method_name && r.segments == split_pattern(pattern)) {
        e.upload = std::make_unique<UploadPolicy>(std::move(upload));
      }
    }
  }
}

void Router::add(std::string_view method_name, std::string_view pattern, Handler handler) {
  RC_ASSERT(handler);
  std::vector<std::string> segments = split_pattern(pattern);
  std::size_t params = 0;
  for (const std::string& s : segments) params += s == "{}" ? 1 : 0;
  RC_ASSERT(params <= RouteParams::kMax);
  Route* route = nullptr;
  for (Route& r : routes_) {
    if (r.segments == segments) route = &r;
  }
  if (route == nullptr) {
    routes_.push_back(Route{std::move(segments), {}, {}});
    route = &routes_.back();
  }
  for (const Entry& e : route->entries) RC_ASSERT(e.method != method_name);
  route->entries.push_back(Entry{std::string(method_name), std::move(handler), nullptr});
  std::vector<std::string> methods;
  for (const Entry& e : route->entries) {
    methods.push_back(e.method);
    if (e.method == "GET") methods.emplace_back("HEAD");
  }
  rebuild_allow(methods, route->allow);
}

Router::Match Router::match(std::string_view method_name, std::string_view path) const {
  Match m;
  // Split the path once; every route then compares whole segments.
  std::string_view segs[kSegmentsMax];
  std::size_t seg_count = 0;
  bool splittable = !path.empty() && path.front() == '/';
  for (std::size_t pos = 1; splittable;) {
    const std::size_t slash = path.find('/', pos);
    const std::size_t end = slash == std::string_view::npos ? path.size() : slash;
    if (seg_count == kSegmentsMax) {
      splittable = false;  // deeper than any route: only the fallback may take it
      break;
    }
    segs[seg_count++] = path.substr(pos, end - pos);
    if (slash == std::string_view::npos) break;
    pos = slash + 1;
  }
  if (splittable) {
    const Route* method_mismatch = nullptr;
    for (const Route& route : routes_) {
      if (route.segments.size() != seg_count) continue;
      RouteParams params;
      bool matched = true;
      for (std::size_t i = 0; i < seg_count && matched; ++i) {
        const std::string& want = route.segments[i];
        if (want == "{}") {
          matched = !segs[i].empty();
          if (matched) params.values[params.count++] = segs[i];
        } else {
          matched = segs[i] == want;
        }
      }
      if (!matched) continue;
      const Entry* get_for_head = nullptr;
      for (const Entry& e : route.entries) {
        if (e.method == method_name) {
          m.kind = Match::Kind::Found;
          m.handler = &e.handler;
          m.upload = e.upload.get();
          m.params = params;
          return m;
        }
        if (method_name == "HEAD" && e.method == "GET") get_for_head = &e;
      }
      if (get_for_head != nullptr) {
        m.kind = Match::Kind::Found;
        m.handler = &get_for_head->handler;
        m.params = params;
        return m;
      }
      // A later pattern may match the path with this method (a literal segment
      // registered after a parameter, e.g. POST /classes/join after GET /classes/{id}).
      if (method_mismatch == nullptr) method_mismatch = &route;
    }
    if (method_mismatch != nullptr) {
      m.kind = Match::Kind::MethodNotAllowed;
      m.allow = method_mismatch->allow;
      return m;
    }
  }
  if (fallback_) {
    m.kind = Match::Kind::Found;
    m.handler = &fallback_;
  }
  return m;
}

}  // namespace rollcall::http
