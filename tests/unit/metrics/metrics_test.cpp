#include "rollcall/metrics/metrics.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace rollcall::metrics {
namespace {

// Value of the first sample line starting with `series ` in a text exposition.
double sample(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  ADD_FAILURE() << "no sample " << series;
  return -1;
}

TEST(Metrics, ExpositionSumsEveryShard) {
  ShardMetrics a, b;
  a.connections_accepted.inc(3);
  b.connections_accepted.inc(4);
  a.connections_open.add(2);
  b.connections_open.add(1);
  b.connections_open.add(-1);
  a.http_requests_by_class[2].inc(10);
  b.http_requests_by_class[4].inc(5);
  std::string out;
  Exposition({&a, &b}).render(out);
  EXPECT_EQ(sample(out, "rollcall_connections_accepted_total"), 7);
  EXPECT_EQ(sample(out, "rollcall_connections_open"), 2);
  EXPECT_EQ(sample(out, "rollcall_shard_connections_open{shard=\"1\"}"), 0);
  EXPECT_EQ(sample(out, "rollcall_http_requests_total{code=\"2xx\"}"), 10);
  EXPECT_EQ(sample(out, "rollcall_http_requests_total{code=\"4xx\"}"), 5);
  EXPECT_EQ(sample(out, "rollcall_shards"), 2);
}

TEST(Metrics, HistogramBucketsAreCumulativeWithSumAndCount) {
  ShardMetrics a, b;
  a.http_request_duration.observe_ns(40'000);          // <= 50us
  a.http_request_duration.observe_ns(300'000);         // <= 500us
  b.http_request_duration.observe_ns(20'000'000'000);  // +Inf
  std::string out;
  Exposition({&a, &b}).render(out);
  const std::string h = "rollcall_http_request_duration_seconds";
  EXPECT_EQ(sample(out, h + "_bucket{le=\"5e-05\"}"), 1);
  EXPECT_EQ(sample(out, h + "_bucket{le=\"0.00025\"}"), 1);
  EXPECT_EQ(sample(out, h + "_bucket{le=\"0.0005\"}"), 2);
  EXPECT_EQ(sample(out, h + "_bucket{le=\"10\"}"), 2);
  EXPECT_EQ(sample(out, h + "_bucket{le=\"+Inf\"}"), 3);
  EXPECT_EQ(sample(out, h + "_count"), 3);
  EXPECT_NEAR(sample(out, h + "_sum"), 20.00034, 1e-9);
}

TEST(Metrics, EveryFamilyHasHelpAndTypeBeforeItsSamples) {
  ShardMetrics a;
  std::string out;
  Exposition({&a}).render(out);
  std::istringstream in(out);
  std::string line, typed;
  while (std::getline(in, line)) {
    if (line.rfind("# TYPE ", 0) == 0) {
      typed = line.substr(7, line.find(' ', 7) - 7);
      continue;
    }
    if (line.rfind("#", 0) == 0) continue;
    EXPECT_EQ(line.rfind("rollcall_", 0), 0u) << line;
    EXPECT_EQ(line.rfind(typed, 0), 0u) << line << " outside family " << typed;
  }
}

}  // namespace
}  // namespace rollcall::metrics
