import { useEffect } from 'preact/hooks';

/** The browser tab's title for the view on screen: "Class 1 - rollcall" (WCAG 2.4.2). */
export function useTitle(view: string): void {
  useEffect(() => {
    document.title = `${view} - rollcall`;
  }, [view]);
}
