#include "rollcall/metrics/metrics.hpp"

#include <charconv>
#include <cstdio>

#include "rollcall/common/assert.hpp"

namespace rollcall::metrics {

namespace {

template <typename Int>
void append_int(std::string& out, Int v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  (void)ec;
  out.append(buf, static_cast<std::size_t>(end - buf));
}

void append_real(std::string& out, const char* format, double v) {
  char buf[48];
  std::snprintf(buf, sizeof buf, format, v);
  out.append(buf);
}

// HELP text: backslash and line feed escaped (text format 0.0.4).
void append_help(std::string& out, std::string_view help) {
  for (const char ch : help) {
    if (ch == '\\') {
      out.append("\\\\");
    } else if (ch == '\n') {
      out.append("\\n");
    } else {
      out.push_back(ch);
    }
  }
}

// `name="value"`, the value escaped (backslash, double quote, line feed).
std::string label_text(Label label) {
  std::string text;
  if (label.name.empty()) return text;
  text.append(label.name).append("=\"");
  for (const char ch : label.value) {
    if (ch == '\n') {
      text.append("\\n");
    } else {
      if (ch == '\\' || ch == '"') text.push_back('\\');
      text.push_back(ch);
    }
  }
  text.push_back('"');
  return text;
}

// `name{labels} ` (braces only when there are labels).
void append_series(std::string& out, std::string_view name, std::string_view suffix,
                   std::string_view labels) {
  out.append(name).append(suffix);
  if (!labels.empty()) out.append("{").append(labels).append("}");
  out.push_back(' ');
}

}  // namespace

// ---------------------------------------------------------------------------
// Family

Family& Family::add(const Counter& c, Label label) {
  sink_.series(index_, Sink::Type::Counter, Sink::Format::Unsigned, label).u += c.get();
  return *this;
}

Family& Family::add(const Gauge& g, Label label) {
  sink_.series(index_, Sink::Type::Gauge, Sink::Format::Signed, label).i += g.get();
  return *this;
}

Family& Family::add(const LatencyHistogram& h, Label label) {
  Sink::Series& s =
      sink_.series(index_, Sink::Type::Histogram, Sink::Format::LatencyBuckets, label);
  s.buckets.resize(LatencyHistogram::kBoundsNs.size() + 1);
  for (std::size_t b = 0; b < s.buckets.size(); ++b) s.buckets[b] += h.bucket(b);
  s.u += h.sum_ns();
  return *this;
}

Family& Family::add(const CountHistogram& h, Label label) {
  Sink::Series& s = sink_.series(index_, Sink::Type::Histogram, Sink::Format::CountBuckets, label);
  s.buckets.resize(CountHistogram::kBuckets + 1);
  for (std::size_t b = 0; b < s.buckets.size(); ++b) s.buckets[b] += h.bucket(b);
  s.u += h.sum();
  return *this;
}

Family& Family::value(std::uint64_t v, Label label) {
  sink_.series(index_, Sink::Type::Gauge, Sink::Format::Unsigned, label).u += v;
  return *this;
}

Family& Family::value(double v, Label label) {
  sink_.series(index_, Sink::Type::Gauge, Sink::Format::Real, label).d += v;
  return *this;
}

// ---------------------------------------------------------------------------
// Sink

Family Sink::family(std::string_view name, std::string_view help) {
  auto [it, inserted] = index_.try_emplace(std::string(name), families_.size());
  if (inserted) {
    families_.push_back(FamilyData{std::string(name), std::string(help), Type::Counter, {}});
  } else {
    RC_ASSERT(families_[it->second].help == help);  // one family, one description
  }
  return Family(*this, it->second);
}

Label Sink::shard_label() const {
  RC_ASSERT(registry_ != nullptr && !registry_->shard().empty());
  return Label{"shard", registry_->shard()};
}

Sink::Series& Sink::series(std::size_t family, Type type, Format format, Label label) {
  FamilyData& f = families_[family];
  if (f.series.empty()) f.type = type;
  RC_ASSERT(f.type == type);
  std::string labels = label_text(label);
  for (Series& s : f.series) {
    if (s.labels != labels) continue;
    RC_ASSERT(s.format == format);
    return s;
  }
  f.series.push_back(Series{std::move(labels), format, 0, 0, 0, {}});
  return f.series.back();
}

void Sink::describe(const Registry& registry) {
  registry_ = &registry;
  registry.describe(*this);
  registry_ = nullptr;
}

void Sink::write(std::string& out) const {
  for (const FamilyData& f : families_) {
    if (f.series.empty()) continue;
    out.append("# HELP ").append(f.name).append(" ");
    append_help(out, f.help);
    out.append("\n# TYPE ").append(f.name).append(" ");
    out.append(f.type == Type::Counter ? "counter"
               : f.type == Type::Gauge ? "gauge"
                                       : "histogram")
        .append("\n");
    for (const Series& s : f.series) {
      switch (s.format) {
        case Format::Unsigned:
          append_series(out, f.name, "", s.labels);
          append_int(out, s.u);
          break;
        case Format::Signed:
          append_series(out, f.name, "", s.labels);
          append_int(out, s.i);
          break;
        case Format::Real:
          append_series(out, f.name, "", s.labels);
          append_real(out, "%.6f", s.d);
          break;
        case Format::LatencyBuckets:
        case Format::CountBuckets: write_histogram(out, f, s); continue;
      }
      out.push_back('\n');
    }
  }
}

void Sink::write_histogram(std::string& out, const FamilyData& f, const Series& s) const {
  const bool latency = s.format == Format::LatencyBuckets;
  const std::string prefix = s.labels.empty() ? std::string() : s.labels + ",";
  std::uint64_t cumulative = 0;
  for (std::size_t b = 0; b < s.buckets.size(); ++b) {
    cumulative += s.buckets[b];
    std::string le = prefix + "le=\"";
    if (b + 1 == s.buckets.size()) {
      le.append("+Inf");
    } else if (latency) {  // bounds in seconds
      append_real(le, "%g", static_cast<double>(LatencyHistogram::kBoundsNs[b]) / 1e9);
    } else {  // powers of two
      append_int(le, std::uint64_t{1} << b);
    }
    le.push_back('"');
    append_series(out, f.name, "_bucket", le);
    append_int(out, cumulative);
    out.push_back('\n');
  }
  append_series(out, f.name, "_sum", s.labels);
  if (latency) {
    append_real(out, "%.9f", static_cast<double>(s.u) / 1e9);
  } else {
    append_int(out, s.u);
  }
  out.push_back('\n');
  append_series(out, f.name, "_count", s.labels);
  append_int(out, cumulative);
  out.push_back('\n');
}

// ---------------------------------------------------------------------------
// Registry, Exposition

void Registry::add_entry(const void* group, void (*describe)(const void*, Sink&)) {
  RC_ASSERT(!sealed_);  // groups are added before the shards run
  entries_.push_back(Entry{group, describe});
}

void Exposition::render(std::string& out) const {
  Sink sink;
  for (const Registry* r : registries_) sink.describe(*r);
  sink.write(out);
}

}  // namespace rollcall::metrics
