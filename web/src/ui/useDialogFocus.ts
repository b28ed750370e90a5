// Keyboard focus for a modal dialog (WCAG 2.4.3, 2.1.2): on open the focus moves
// into it; Tab and Shift+Tab cycle through its controls and never reach the page
// behind; Escape closes it; on close the focus goes back to what had it before
// (the button that opened it).

import { type RefObject } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

function focusables(root: HTMLElement): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((e) => e.getClientRects().length > 0);
}

/** Tab from the last control goes to the first, Shift+Tab from the first to the last. */
function cycle(root: HTMLElement, e: KeyboardEvent): void {
  const list = focusables(root);
  if (!list.length) {
    e.preventDefault();
    return;
  }
  const first = list[0];
  const last = list[list.length - 1];
  const active = document.activeElement as HTMLElement | null;
  const inside = !!active && root.contains(active);
  if (e.shiftKey && (!inside || active === first)) {
    e.preventDefault();
    last.focus();
  } else if (!e.shiftKey && (!inside || active === last)) {
    e.preventDefault();
    first.focus();
  }
}

/** Holds the focus inside `ref` while mounted; `onClose` runs on Escape. */
export function useDialogFocus(ref: RefObject<HTMLElement>, onClose: () => void): void {
  const close = useRef(onClose);
  close.current = onClose;
  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    const root = ref.current;
    if (root) (focusables(root)[0] ?? root).focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        close.current();
      } else if (e.key === 'Tab' && ref.current) {
        cycle(ref.current, e);
      }
    };
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('keydown', onKey);
      // An opener re-rendered away (no longer connected) gets nothing.
      const back = () => {
        if (opener?.isConnected && (!document.activeElement || document.activeElement === document.body)) opener.focus();
      };
      opener?.focus();
      // Leaving full screen (projector mode) drops the focus once more, later.
      if (document.fullscreenElement) document.addEventListener('fullscreenchange', back, { once: true });
    };
  }, []);
}
