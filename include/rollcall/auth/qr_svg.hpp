#pragma once
/// Renders text (the check-in URL) as a QR code in SVG, for `GET .../qr.svg`.

#include <cstddef>
#include <string>
#include <string_view>

#include "rollcall/common/result.hpp"

namespace rollcall::auth {

/// Longest text `render_qr_svg` accepts, in bytes.
inline constexpr std::size_t kMaxQrTextBytes = 2048;
/// White border around the symbol, in modules (the minimum the standard asks).
inline constexpr int kQrQuietZoneModules = 4;

/// A standalone SVG of `text` encoded as a QR code: 8-bit mode, error correction
/// level M, the smallest version that fits. The viewBox is in modules,
/// `0 0 W W` with W = 4 * version + 17 + 2 * kQrQuietZoneModules; a white rect
/// covers it and one `<path>` draws each horizontal run of dark modules as
/// `M x y h n v1 h-n z`. Deterministic: the same text gives the same bytes.
/// Error if `text` is longer than kMaxQrTextBytes or the encoder fails.
Result<std::string> render_qr_svg(std::string_view text);

}  // namespace rollcall::auth
