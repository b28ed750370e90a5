#include "rollcall/metrics/metrics.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace rollcall::metrics {
namespace {

// Value of the sample line starting with `series ` in a text exposition.
double sample(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  ADD_FAILURE() << "no sample " << series;
  return -1;
}

std::size_t count_lines(const std::string& text, const std::string& prefix) {
  std::istringstream in(text);
  std::string line;
  std::size_t n = 0;
  while (std::getline(in, line)) n += line.rfind(prefix, 0) == 0;
  return n;
}

// A group as a subsystem writes one: metric objects, and beside them their names.
struct TestGroup {
  Counter requests;
  Counter by_kind[2];
  Gauge open;
  LatencyHistogram latency;
  CountHistogram batch;

  void describe(Sink& s) const {
    s.family("t_requests_total", "Requests.").add(requests);
    s.family("t_kinds_total", "By kind.")
        .add(by_kind[0], {"kind", "a"})
        .add(by_kind[1], {"kind", "b"});
    s.family("t_open", "Open now.").add(open);
    s.family("t_open_per_shard", "Open now, per shard.").add(open, s.shard_label());
    s.family("t_latency_seconds", "Latency.").add(latency);
    s.family("t_batch", "Batch sizes.").add(batch);
  }
};

// A second group some shards have (an auxiliary shard has fewer).
struct OtherGroup {
  Counter events;
  void describe(Sink& s) const { s.family("t_events_total", "Events.").add(events); }
};

struct Process {
  double seconds = 1.5;
  void describe(Sink& s) const {
    s.family("t_build_info", "Build; always 1.").value(std::uint64_t{1}, {"version", "9.9"});
    s.family("t_seconds", "Seconds.").value(seconds);
  }
};

// Two shards with both groups, the process-wide figures, and a third shard with one.
class ExpositionTest : public ::testing::Test {
 protected:
  ExpositionTest() : shard0_(0), shard1_(1), shard2_(2) {
    process_.add(process_figures_);
    shard0_.add(a_);
    shard0_.add(other_a_);
    shard1_.add(b_);
    shard1_.add(other_b_);
    shard2_.add(c_);
  }
  std::string render() const {
    std::string out;
    Exposition({&process_, &shard0_, &shard1_, &shard2_}).render(out);
    return out;
  }

  Process process_figures_;
  TestGroup a_, b_, c_;
  OtherGroup other_a_, other_b_;
  Registry process_, shard0_, shard1_, shard2_;
};

TEST_F(ExpositionTest, SumsEachSampleOverEveryShard) {
  a_.requests.inc(3);
  b_.requests.inc(4);
  c_.requests.inc(5);
  a_.open.add(2);
  b_.open.add(1);
  b_.open.add(-1);
  c_.open.add(-3);
  other_a_.events.inc(7);
  other_b_.events.inc(1);
  const std::string out = render();
  EXPECT_EQ(sample(out, "t_requests_total"), 12);
  EXPECT_EQ(sample(out, "t_open"), -1);
  EXPECT_EQ(sample(out, "t_events_total"), 8);  // shard 2 has no such group
  EXPECT_EQ(count_lines(out, "t_requests_total "), 1u);
  EXPECT_EQ(count_lines(out, "# TYPE t_requests_total counter"), 1u);
  EXPECT_EQ(count_lines(out, "# TYPE t_open gauge"), 1u);
  EXPECT_EQ(count_lines(out, "# HELP t_events_total Events."), 1u);
}

TEST_F(ExpositionTest, LabelledSamplesAndPerShardSeries) {
  a_.by_kind[0].inc(1);
  b_.by_kind[0].inc(2);
  b_.by_kind[1].inc(10);
  a_.open.add(4);
  c_.open.add(6);
  const std::string out = render();
  EXPECT_EQ(sample(out, "t_kinds_total{kind=\"a\"}"), 3);
  EXPECT_EQ(sample(out, "t_kinds_total{kind=\"b\"}"), 10);
  EXPECT_EQ(sample(out, "t_open_per_shard{shard=\"0\"}"), 4);
  EXPECT_EQ(sample(out, "t_open_per_shard{shard=\"1\"}"), 0);
  EXPECT_EQ(sample(out, "t_open_per_shard{shard=\"2\"}"), 6);
  EXPECT_EQ(count_lines(out, "t_open_per_shard{"), 3u);
  EXPECT_EQ(sample(out, "t_build_info{version=\"9.9\"}"), 1);
  EXPECT_EQ(count_lines(out, "t_seconds 1.500000"), 1u);
}

TEST_F(ExpositionTest, HistogramBucketsAreCumulativeWithSumAndCount) {
  a_.latency.observe_ns(40'000);          // <= 50us
  a_.latency.observe_ns(300'000);         // <= 500us
  b_.latency.observe_ns(20'000'000'000);  // +Inf
  a_.batch.observe(1);
  b_.batch.observe(3);  // <= 4
  c_.batch.observe(5000);
  const std::string out = render();
  const std::string h = "t_latency_seconds";
  EXPECT_EQ(sample(out, h + "_bucket{le=\"5e-05\"}"), 1);
  EXPECT_EQ(sample(out, h + "_bucket{le=\"0.00025\"}"), 1);
  EXPECT_EQ(sample(out, h + "_bucket{le=\"0.0005\"}"), 2);
  EXPECT_EQ(sample(out, h + "_bucket{le=\"10\"}"), 2);
  EXPECT_EQ(sample(out, h + "_bucket{le=\"+Inf\"}"), 3);
  EXPECT_EQ(sample(out, h + "_count"), 3);
  EXPECT_NEAR(sample(out, h + "_sum"), 20.00034, 1e-9);
  EXPECT_EQ(count_lines(out, h + "_bucket{"), LatencyHistogram::kBoundsNs.size() + 1);
  EXPECT_EQ(count_lines(out, "# TYPE t_latency_seconds histogram"), 1u);
  EXPECT_EQ(sample(out, "t_batch_bucket{le=\"1\"}"), 1);
  EXPECT_EQ(sample(out, "t_batch_bucket{le=\"2\"}"), 1);
  EXPECT_EQ(sample(out, "t_batch_bucket{le=\"4\"}"), 2);
  EXPECT_EQ(sample(out, "t_batch_bucket{le=\"4096\"}"), 2);
  EXPECT_EQ(sample(out, "t_batch_bucket{le=\"+Inf\"}"), 3);
  EXPECT_EQ(sample(out, "t_batch_sum"), 5004);
  EXPECT_EQ(sample(out, "t_batch_count"), 3);
}

TEST_F(ExpositionTest, EveryFamilyHasHelpAndTypeBeforeItsSamples) {
  const std::string out = render();
  std::istringstream in(out);
  std::string line, helped, typed;
  std::size_t families = 0;
  while (std::getline(in, line)) {
    if (line.rfind("# HELP ", 0) == 0) {
      helped = line.substr(7, line.find(' ', 7) - 7);
      continue;
    }
    if (line.rfind("# TYPE ", 0) == 0) {
      typed = line.substr(7, line.find(' ', 7) - 7);
      EXPECT_EQ(typed, helped);
      ++families;
      continue;
    }
    EXPECT_EQ(line.rfind(typed, 0), 0u) << line << " outside family " << typed;
  }
  EXPECT_EQ(families, 9u);
}

// A name is one family: two groups declaring it differently is a bug the first
// render finds (every group is rendered by the unit tests).
struct Conflicting {
  Gauge requests;
  void describe(Sink& s) const { s.family("t_requests_total", "Requests.").add(requests); }
};
struct OtherHelp {
  Counter requests;
  void describe(Sink& s) const { s.family("t_requests_total", "Other words.").add(requests); }
};

TEST_F(ExpositionTest, ANameDeclaredTwiceDifferentlyStops) {
  Conflicting type;
  OtherHelp help;
  Registry r1(3), r2(4);
  r1.add(type);
  r2.add(help);
  std::string scratch;
  EXPECT_DEATH(Exposition({&shard0_, &r1}).render(scratch), "type");
  EXPECT_DEATH(Exposition({&shard0_, &r2}).render(scratch), "help");
}

TEST(Registry, NothingIsAddedOnceSealed) {
  Registry r(0);
  OtherGroup g;
  r.add(g);
  r.seal();
  EXPECT_DEATH(r.add(g), "sealed");
}

TEST(Registry, OnlyAShardRegistryHasAShardLabel) {
  Registry process;
  TestGroup g;
  process.add(g);
  std::string scratch;
  EXPECT_DEATH(Exposition({&process}).render(scratch), "shard");
}

}  // namespace
}  // namespace rollcall::metrics
