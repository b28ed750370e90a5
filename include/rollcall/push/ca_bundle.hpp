#pragma once
/// The CAs the sender trusts for push services. `--push-ca-file` adds CAs to the
/// system's (tests run their own push service; a district may run one behind its own
/// CA), it must not replace them: libcurl's CURLOPT_CAINFO_BLOB overrides the bundle
/// it was built with, so the sender builds one bundle, once, from both.

#include <cstddef>
#include <string>
#include <string_view>

#include "rollcall/common/result.hpp"

namespace rollcall::push {

/// Largest CA file read (the system bundle is ~200 KiB).
inline constexpr std::size_t kCaBundleBytesMax = 16u << 20;

/// The CA bundle path libcurl was built with (CURLINFO_CAINFO), or empty if none.
std::string curl_default_ca_bundle();

/// The system bundle at `system_path` (skipped when empty or missing: libcurl's
/// CA directory may still hold the system's CAs, and it stays in use) followed by
/// the certificates of `extra_path`. An error names `extra_path` when it cannot be
/// read, is over `kCaBundleBytesMax`, or holds no PEM certificate.
Result<std::string> combined_ca_bundle(std::string_view system_path, std::string_view extra_path);

}  // namespace rollcall::push
