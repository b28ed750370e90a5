import { useEffect, useRef } from 'preact/hooks';

/**
 * Scrolls once to the element the URL's fragment names (`/class/4#check-in`, the
 * page a notification opens). The page renders it only after its data arrives,
 * too late for the browser's own scroll, so this looks again after each render.
 */
export function useScrollToFragment(): void {
  const done = useRef(false);
  useEffect(() => {
    if (done.current) return;
    const id = decodeURIComponent(location.hash.slice(1));
    const el = id ? document.getElementById(id) : null;
    if (!id || el) done.current = true;
    el?.scrollIntoView({ block: 'start' });
  });
}
