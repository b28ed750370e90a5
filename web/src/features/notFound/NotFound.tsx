import { linkTo } from '../../router';
import { useTitle } from '../../ui/useTitle';

/** Any path the app has no page for (a mistyped or old link). */
export function NotFound({ path }: { path: string }) {
  useTitle('Page not found');
  return (
    <div class="page not-found">
      <h1>Page not found</h1>
      <p>
        There is no page at <code>{path}</code>. The link may be mistyped or out of date.
      </p>
      <p>
        <a href="/" onClick={linkTo('/')}>
          Go to my classes
        </a>
      </p>
    </div>
  );
}
