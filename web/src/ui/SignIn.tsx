import { useState } from 'preact/hooks';
import { ApiError, post } from '../api';
import { saveLogin } from '../auth';
import { errorMessage } from '../errors';
import type { LoginResponse } from '../types';

export function SignIn({ reason }: { reason?: string }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const res = await post<LoginResponse>('/api/v1/auth/login', { username: username.trim(), password }, { noAuth: true });
      saveLogin(res);
    } catch (err) {
      setError(err instanceof ApiError ? errorMessage(err.code, 'login', err.message) : 'Sign-in failed.');
      setBusy(false);
    }
  }
  return (
    <div class="page signin">
      <form class="card signin-card" onSubmit={submit}>
        <h1>Sign in</h1>
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
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button class="primary big" type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
    </div>
  );
}
