import { useEffect, useState } from 'preact/hooks';
import { listUsers } from '../../api/client';
import { errorText } from '../../errors';
import type { AdminUser, Role } from '../../types';
import { ErrorText, SubPageHead } from '../../ui/common';
import { AdminNav } from './AdminNav';
import { USERS_PATH } from './routes';

const ROLE_LABEL: Record<Role, string> = { admin: 'Admin', teacher: 'Teacher', student: 'Student' };

/** Every user (read-only): a search by name or username, a role filter, and pages of 100 ("Show more"). */
export function UsersPage() {
  const [q, setQ] = useState('');
  const [role, setRole] = useState<Role | ''>('');
  const [query, setQuery] = useState<{ q: string; role: Role | '' }>({ q: '', role: '' });
  const [users, setUsers] = useState<AdminUser[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function load(cursor: string | null) {
    setBusy(true);
    setError(null);
    try {
      const page = await listUsers({ ...query, cursor });
      setUsers((cur) => (cursor && cur ? [...cur, ...page.users] : page.users));
      setNext(page.next_cursor);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }
  useEffect(() => {
    void load(null);
  }, [query]);

  return (
    <div class="page users">
      <SubPageHead title="Users" back="/" backLabel="Home" />
      <AdminNav current={USERS_PATH} />
      <form
        class="card row"
        role="search"
        aria-label="Find users"
        onSubmit={(e) => {
          e.preventDefault();
          setQuery({ q: q.trim(), role });
        }}
      >
        <label>
          Name or username <input type="search" value={q} maxLength={100} onInput={(e) => setQ((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          Role{' '}
          <select value={role} onChange={(e) => setRole((e.target as HTMLSelectElement).value as Role | '')}>
            <option value="">Any</option>
            <option value="admin">Admin</option>
            <option value="teacher">Teacher</option>
            <option value="student">Student</option>
          </select>
        </label>
        <button type="submit" class="primary">
          Search
        </button>
      </form>
      <ErrorText error={error} />
      {users === null && !error && <p class="muted">Loading the users…</p>}
      {users && (
        <section class="card table-wrap" aria-labelledby="users-title">
          <h2 id="users-title" aria-live="polite">
            {users.length === 0 ? 'No user matches' : `${users.length}${next ? '+' : ''} user${users.length === 1 ? '' : 's'}`}
          </h2>
          {users.length > 0 && (
            <table class="roster-table users-table">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Username</th>
                  <th scope="col">Role</th>
                  <th scope="col">Can sign in</th>
                  <th scope="col">Classes</th>
                </tr>
              </thead>
              <tbody>
                {users.map((u) => (
                  <tr key={u.id} data-testid="user-row" data-user-id={u.id}>
                    <th scope="row" class="name">
                      {u.name}
                    </th>
                    <td>{u.username}</td>
                    <td>{ROLE_LABEL[u.role]}</td>
                    <td>{u.enabled ? 'Yes' : 'No (disabled)'}</td>
                    <td>{u.classes.length}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {next && (
            <button type="button" disabled={busy} onClick={() => load(next)}>
              Show more users
            </button>
          )}
        </section>
      )}
    </div>
  );
}
