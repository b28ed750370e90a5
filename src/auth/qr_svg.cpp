#include "rollcall/auth/qr_svg.hpp"

#include <qrencode.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace rollcall::auth {

namespace {

struct QrFree {
  void operator()(QRcode* q) const { QRcode_free(q); }
};
using QrPtr = std::unique_ptr<QRcode, QrFree>;

bool dark(const QRcode& q, int x, int y) {
  return (q.data[y * q.width + x] & 1) != 0;
}

/// Appends `M x y h n v1 h-n z` for every run of dark modules, offset by the quiet zone.
void append_runs(const QRcode& q, std::string& d) {
  for (int y = 0; y < q.width; ++y) {
    for (int x = 0; x < q.width;) {
      if (!dark(q, x, y)) {
        ++x;
        continue;
      }
      int n = 1;
      while (x + n < q.width && dark(q, x + n, y)) ++n;
      const std::string len = std::to_string(n);
      d += 'M';
      d += std::to_string(x + kQrQuietZoneModules);
      d += ' ';
      d += std::to_string(y + kQrQuietZoneModules);
      d += 'h' + len + "v1h-" + len + 'z';
      x += n;
    }
  }
}

}  // namespace

Result<std::string> render_qr_svg(std::string_view text) {
  if (text.size() > kMaxQrTextBytes) {
    return Error{"QR text is " + std::to_string(text.size()) + " bytes, more than " +
                 std::to_string(kMaxQrTextBytes)};
  }
  // QRcode_encodeData: the whole input in 8-bit mode, NUL bytes included.
  const QrPtr q(QRcode_encodeData(static_cast<int>(text.size()),
                                  reinterpret_cast<const unsigned char*>(text.data()), 0,
                                  QR_ECLEVEL_M));
  if (!q) return Error{std::string("QR encoding failed: ") + std::strerror(errno)};

  const std::string w = std::to_string(q->width + 2 * kQrQuietZoneModules);
  std::string svg;
  svg.reserve(256 + static_cast<std::size_t>(q->width) * static_cast<std::size_t>(q->width) * 2);
  svg += R"(<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 )" + w + ' ' + w +
         R"(" shape-rendering="crispEdges"><rect width=")" + w + R"(" height=")" + w +
         R"(" fill="#fff"/><path fill="#000" d=")";
  append_runs(*q, svg);
  svg += "\"/></svg>\n";
  return svg;
}

}  // namespace rollcall::auth
