// Small UI pieces both pages use.

import type { ComponentChildren } from 'preact';
import { useRef } from 'preact/hooks';
import type { ConnectionStatus } from '../live/feed';
import { linkTo } from '../router';
import type { Counts } from '../types';
import { useDialogFocus } from './useDialogFocus';
import { useTitle } from './useTitle';

export function ConnectionBadge({ status }: { status: ConnectionStatus }) {
  const title =
    status === 'live'
      ? 'Live: updates appear as they happen'
      : status === 'reconnecting'
        ? 'Reconnecting: the view may be behind until the connection is back'
        : 'Offline: no connection to the server';
  return (
    <span class={`conn conn-${status}`} title={title}>
      <span class="dot" aria-hidden="true" />
      <span data-testid="connection-status" role="status" aria-label={`connection ${status}`}>
        {status}
      </span>
    </span>
  );
}

export function CountsBar({ counts }: { counts: Counts }) {
  const items: [keyof Counts, string][] = [
    ['present', 'Present'],
    ['late', 'Late'],
    ['absent', 'Absent'],
    ['excused', 'Excused'],
    ['unmarked', 'Not yet'],
  ];
  return (
    <div class="counts" data-testid="counts" aria-label="attendance counts">
      {items.map(([k, label]) => (
        <div class={`count count-${k}`} key={k} data-count={k}>
          <span class="n">{counts[k]}</span>
          <span class="l">{label}</span>
        </div>
      ))}
      <div class="count count-total" data-count="total">
        <span class="n">{counts.total}</span>
        <span class="l">Total</span>
      </div>
    </div>
  );
}

export function Modal({
  title,
  onClose,
  children,
}: {
  title: string;
  onClose: () => void;
  children: ComponentChildren;
}) {
  const ref = useRef<HTMLDivElement>(null);
  useDialogFocus(ref, onClose);
  return (
    <div class="modal-backdrop" onClick={(e) => e.target === e.currentTarget && onClose()}>
      <div class="modal" role="dialog" aria-modal="true" aria-labelledby="modal-title" ref={ref}>
        <h2 id="modal-title">{title}</h2>
        {children}
      </div>
    </div>
  );
}

export function ErrorText({ error }: { error: string | null }) {
  if (!error) return null;
  return (
    <p class="error" role="alert">
      {error}
    </p>
  );
}

/** A page's head: the way back to the class list, the title, the connection. */
export function PageHead({ title, status }: { title: string; status: ConnectionStatus }) {
  useTitle(title);
  return (
    <div class="page-head">
      <a href="/" onClick={linkTo('/')} class="back">
        ← My classes
      </a>
      <h1>{title}</h1>
      <ConnectionBadge status={status} />
    </div>
  );
}

/** The head of a page that is not live: a way back, the title (also the tab's). */
export function SubPageHead({ title, back, backLabel }: { title: string; back: string; backLabel: string }) {
  useTitle(title);
  return (
    <div class="page-head">
      <a href={back} onClick={linkTo(back)} class="back">
        ← {backLabel}
      </a>
      <h1>{title}</h1>
    </div>
  );
}
