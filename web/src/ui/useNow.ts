import { useEffect, useState } from 'preact/hooks';

/** The time (ms since the epoch), updated every `every_ms` while the component is shown. */
export function useNow(every_ms = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), every_ms);
    return () => clearInterval(t);
  }, [every_ms]);
  return now;
}
