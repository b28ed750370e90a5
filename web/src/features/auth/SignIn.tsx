import { useState } from 'preact/hooks';
import { login } from '../../api/client';
import { saveLogin } from '../../auth';
import { errorText } from '../../errors';
import { ErrorText } from '../../ui/common';
import { useTitle } from '../../ui/useTitle';

/**
 * The sign-in form; `reason` says why it shows (e.g. a QR link needs a sign-in),
 * `notice` why the app signed the user out (a refresh that was refused).
 */
export function SignIn({ reason, notice }: { reason?: string; notice?: string | null }) {
  useTitle('Sign in');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      saveLogin(await login({ username: username.trim(), password }));
    } catch (err) {
      setError(errorText(err, 'login', 'Sign-in failed.'));
      setBusy(false);
    }
  }
  return (
    <div class="page signin">
      <form class="card signin-card" onSubmit={submit}>
        <h1>Sign in</h1>
        {notice && (
          <p class="notice" role="status">
            {notice}
          </p>
        )}
        {reason && <p class="muted">{reason}</p>}
        <label class="field">
          Username
          <input
            name="username"
            autoComplete="username"
            autoCapitalize="none"
            value={username}
            onInput={(e) => setUsername((e.target as HTMLInputElement).value)}
            required
          />
        </label>
        <label class="field">
          Password
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onInput={(e) => setPassword((e.target as HTMLInputElement).value)}
            required
          />
        </label>
        <ErrorText error={error} />
        <button class="primary big" type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
    </div>
  );
}
