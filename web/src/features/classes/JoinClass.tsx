import { useState } from 'preact/hooks';
import { joinClass, type JoinedClass } from '../../api/client';
import { errorText } from '../../errors';
import { linkTo } from '../../router';
import { ErrorText } from '../../ui/common';
import { useTitle } from '../../ui/useTitle';
import { rememberJoined } from './joined';

/** Longest join code the server takes (docs/api.md, input limits: `join_code` ≤ 64). */
const JOIN_CODE_MAX = 64;

/** `/join`: a student types the join code their teacher gave them and is enrolled. */
export function JoinClass({ userId }: { userId: number }) {
  useTitle('Join a class');
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [joined, setJoined] = useState<JoinedClass | null>(null);
  async function submit(e: Event) {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      const j = await joinClass({ join_code: code.trim() });
      rememberJoined(userId, j);
      setJoined(j);
      setCode('');
    } catch (err) {
      setError(errorText(err, 'join'));
    } finally {
      setBusy(false);
    }
  }
  return (
    <div class="page join-class">
      <h1>Join a class</h1>
      <form class="card" onSubmit={submit}>
        <label class="field">
          Join code from your teacher
          <input
            name="join_code"
            autoCapitalize="characters"
            autoComplete="off"
            maxLength={JOIN_CODE_MAX}
            value={code}
            onInput={(e) => setCode((e.target as HTMLInputElement).value)}
            required
          />
        </label>
        <ErrorText error={error} />
        <button class="primary" type="submit" disabled={busy || code.trim() === ''}>
          Join
        </button>
      </form>
      {joined && (
        <p class="result tone-ok" role="status" data-testid="join-result">
          {joined.created ? `You joined ${joined.class_name}.` : `You are already in ${joined.class_name}.`}{' '}
          <a href={`/class/${joined.class_id}`} onClick={linkTo(`/class/${joined.class_id}`)}>
            Open {joined.class_name}
          </a>
        </p>
      )}
      <p>
        <a href="/" onClick={linkTo('/')}>
          Back to my classes
        </a>
      </p>
    </div>
  );
}
