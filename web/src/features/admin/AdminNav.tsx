import { linkTo } from '../../router';
import { ADMIN_PATH, ROSTER_IMPORT_PATH, USERS_PATH } from './routes';

const LINKS: [string, string][] = [
  [ADMIN_PATH, 'Today'],
  [USERS_PATH, 'Users'],
  [ROSTER_IMPORT_PATH, 'Roster import'],
];

/** The admin pages, the current one marked for screen readers. */
export function AdminNav({ current }: { current: string }) {
  return (
    <nav class="class-links" aria-label="Administration">
      {LINKS.map(([href, label]) => (
        <a key={href} href={href} onClick={linkTo(href)} aria-current={href === current ? 'page' : undefined}>
          {label}
        </a>
      ))}
    </nav>
  );
}
