// Micro-benchmarks of auth: JWT issue/verify (every API request verifies one), QR
// tokens, the attempt limiter, and Argon2id for scale. main() comes from bench/main.cpp.
#include <benchmark/benchmark.h>
#include <sodium.h>

#include <string>

#include "rollcall/auth/attempt_limiter.hpp"
#include "rollcall/auth/jwt.hpp"
#include "rollcall/auth/password.hpp"
#include "rollcall/auth/qr_token.hpp"

namespace rollcall::auth {
namespace {

constexpr std::int64_t kNow = 1700000000;

Key bench_key() {
  if (sodium_init() < 0) std::abort();
  Key k;
  k.fill(7);
  return k;
}

void BM_JwtIssue(benchmark::State& state) {
  const JwtCodec codec(bench_key());
  for (auto _ : state) {
    std::string token = codec.issue(123456, domain::Role::Teacher, kNow, 3600);
    benchmark::DoNotOptimize(token);
  }
}
BENCHMARK(BM_JwtIssue);

void BM_JwtVerify(benchmark::State& state) {
  const JwtCodec codec(bench_key());
  const std::string token = codec.issue(123456, domain::Role::Teacher, kNow, 3600);
  for (auto _ : state) {
    VerifiedToken v = codec.verify(token, kNow + 1);
    benchmark::DoNotOptimize(v);
    if (!v.ok) state.SkipWithError("verify failed");
  }
}
BENCHMARK(BM_JwtVerify);

void BM_JwtVerifyBadSignature(benchmark::State& state) {
  const JwtCodec codec(bench_key());
  std::string token = codec.issue(123456, domain::Role::Teacher, kNow, 3600);
  token[token.rfind('.') + 1] ^= 1;
  for (auto _ : state) benchmark::DoNotOptimize(codec.verify(token, kNow + 1));
}
BENCHMARK(BM_JwtVerifyBadSignature);

void BM_QrVerify(benchmark::State& state) {
  const QrCodec codec(bench_key());
  const std::string token = codec.issue(42ull << 20 | 1, 113333333);
  for (auto _ : state) benchmark::DoNotOptimize(codec.verify(token));
}
BENCHMARK(BM_QrVerify);

void BM_LimiterRecordFailureAtCapacity(benchmark::State& state) {
  bench_key();
  IdPairAttemptLimiter limiter(5, 600000, 100000);
  std::uint64_t i = 0;
  for (auto _ : state) {
    limiter.record_failure({i % 1000, i}, static_cast<std::int64_t>(i));
    ++i;
  }
  benchmark::DoNotOptimize(limiter.size());
}
BENCHMARK(BM_LimiterRecordFailureAtCapacity);

void BM_PasswordVerify(benchmark::State& state) {
  bench_key();
  const std::string hash = hash_password("rollcall-demo");
  for (auto _ : state) benchmark::DoNotOptimize(verify_password(hash, "rollcall-demo"));
}
BENCHMARK(BM_PasswordVerify)->Unit(benchmark::kMillisecond)->Iterations(10);

}  // namespace
}  // namespace rollcall::auth
