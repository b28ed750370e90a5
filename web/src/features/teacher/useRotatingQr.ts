import { useEffect, useState } from 'preact/hooks';
import { getQr, getQrSvg } from '../../api/client';
import { ApiError } from '../../api/http';
import { QR_ROTATION_DEFAULT_MS } from '../../api/limits';
import { errorText } from '../../errors';
import type { QrInfo } from '../../types';

export interface RotatingQr {
  /** An object URL of the current QR code's SVG. */
  url: string | null;
  info: QrInfo | null;
  error: string | null;
  /** The shown QR code is past its `expires_at`: the server would refuse it (it could not be renewed in time). */
  expired: boolean;
}

/** When to fetch the next QR code after `i`, in ms from now. */
function nextFetchIn(i: QrInfo): number {
  const rotates = i.rotates_at ? Date.parse(i.rotates_at) : NaN;
  const expires = Date.parse(i.expires_at);
  const period =
    Number.isFinite(rotates) && Number.isFinite(expires) ? Math.max(1000, expires - rotates) : QR_ROTATION_DEFAULT_MS;
  // Fetch the next code just after it appears; never wait longer than one
  // rotation (a token is accepted for its window and the next, so a clock
  // difference with the server costs nothing).
  return Number.isFinite(rotates) ? Math.min(period, Math.max(500, rotates - Date.now() + 150)) : period;
}

/** The session's QR code, fetched again just after each rotation. */
export function useRotatingQr(sessionId: number): RotatingQr {
  const [qr, setQr] = useState<Omit<RotatingQr, 'expired'>>({ url: null, info: null, error: null });
  const expired = useExpired(qr.info);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let current: string | null = null;
    const load = async () => {
      let next = QR_ROTATION_DEFAULT_MS;
      try {
        const i = await getQr(sessionId);
        const blob = await getQrSvg(sessionId);
        if (stopped) return;
        const url = URL.createObjectURL(blob);
        if (current) URL.revokeObjectURL(current);
        current = url;
        setQr({ url, info: i, error: null });
        next = nextFetchIn(i);
      } catch (e) {
        if (stopped) return;
        if (e instanceof ApiError && e.code === 'session_closed') return;
        setQr((q) => ({ ...q, error: errorText(e, 'session') }));
        next = 2_000;
      }
      if (!stopped) timer = setTimeout(load, next);
    };
    void load();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      if (current) URL.revokeObjectURL(current);
    };
  }, [sessionId]);
  return { ...qr, expired };
}

/** Whether `info`'s token has expired, turning true at `expires_at` by itself. */
function useExpired(info: QrInfo | null): boolean {
  const [expired, setExpired] = useState(false);
  useEffect(() => {
    const at = info ? Date.parse(info.expires_at) : NaN;
    setExpired(Number.isFinite(at) && at <= Date.now());
    if (!Number.isFinite(at) || at <= Date.now()) return;
    const t = setTimeout(() => setExpired(true), at - Date.now());
    return () => clearTimeout(t);
  }, [info]);
  return expired;
}
