// Micro-benchmarks of the push worker's per-delivery work: aes128gcm encryption
// (an ephemeral P-256 key, ECDH, HKDF, AES-GCM for every message), the VAPID JWT
// (signed once per origin and hour, so for scale), and building a note's payloads.
// main() comes from bench/main.cpp.
#include <benchmark/benchmark.h>

#include <string>

#include "rollcall/push/ece.hpp"
#include "rollcall/push/note.hpp"
#include "rollcall/push/vapid.hpp"

namespace rollcall::push {
namespace {

// A subscription's keys, as a browser would make them.
struct Browser {
  VapidKeys keys = VapidKeys::generate();  // any P-256 pair will do
  std::string auth = std::string(16, '\x42');
};

const std::string kPayload =
    R"({"kind":"session_opened","title":"Attendance is open","body":"Class 3: check in now",)"
    R"("url":"/class/3#check-in","class_id":3,"session_id":3145729,)"
    R"("actions":[{"action":"check_in","title":"Check in"}]})";

void BM_EncryptPayload(benchmark::State& state) {
  const Browser b;
  for (auto _ : state) {
    Result<std::string> body = encrypt(kPayload, b.keys.public_key(), b.auth);
    benchmark::DoNotOptimize(body);
  }
}
BENCHMARK(BM_EncryptPayload);

void BM_VapidAuthorization(benchmark::State& state) {
  const VapidKeys keys = VapidKeys::generate();
  for (auto _ : state) {
    std::string h =
        keys.authorization("https://push.example.net", "mailto:admin@localhost", 1'800'000'000);
    benchmark::DoNotOptimize(h);
  }
}
BENCHMARK(BM_VapidAuthorization);

void BM_SessionOpenedNote30(benchmark::State& state) {
  domain::ClassInfo cls{domain::ClassId{3}, "Class 3", "JOIN", "", {domain::UserId{2}}, {}};
  for (std::uint64_t s = 0; s < 30; ++s) cls.students.push_back(domain::UserId{100 + s});
  const domain::OpenSession cmd{cls.id, domain::UserId{2}, 5, "123456", 1};
  domain::Outcome out;
  out.change = domain::Change::Applied;
  out.logged = cmd;
  out.session = domain::make_session_id(cls.id, 1);
  for (auto _ : state) {
    std::optional<Note> n = note_for(cls, cmd, out, 1);
    benchmark::DoNotOptimize(n);
  }
}
BENCHMARK(BM_SessionOpenedNote30);

}  // namespace
}  // namespace rollcall::push

#include "src/push/p256.hpp"

namespace rollcall::push {
namespace {

void BM_P256Generate(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(p256::generate());
}
BENCHMARK(BM_P256Generate);

void BM_P256FromPublic(benchmark::State& state) {
  const VapidKeys k = VapidKeys::generate();
  for (auto _ : state) benchmark::DoNotOptimize(p256::from_public(k.public_key()));
}
BENCHMARK(BM_P256FromPublic);

void BM_P256Derive(benchmark::State& state) {
  const VapidKeys k = VapidKeys::generate();
  Result<ossl::Pkey> peer = p256::from_public(k.public_key());
  const ossl::Pkey own = p256::generate();
  for (auto _ : state) benchmark::DoNotOptimize(p256::shared_secret(own.get(), peer->get()));
}
BENCHMARK(BM_P256Derive);

void BM_P256PublicPoint(benchmark::State& state) {
  const ossl::Pkey own = p256::generate();
  for (auto _ : state) benchmark::DoNotOptimize(p256::public_point(own.get()));
}
BENCHMARK(BM_P256PublicPoint);

}  // namespace
}  // namespace rollcall::push
