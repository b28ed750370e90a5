import { useEffect, useState } from 'preact/hooks';

/** What shows while the server imports: it can take minutes (Argon2id, ~70 ms per new password). */
export function ImportProgress({ fileName, startedAt }: { fileName: string; startedAt: number }) {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  const seconds = Math.max(0, Math.floor((now - startedAt) / 1000));
  return (
    <div class="notice import-progress" role="status" data-testid="import-working">
      <progress aria-label="Importing" />
      <p>
        Importing {fileName}… {seconds} s so far.
      </p>
      <p class="small">
        Every new user's password is hashed on the server, so a large roster can take a few minutes. Stay on this page until the
        answer shows: the passwords the server gives new users are shown only here.
      </p>
    </div>
  );
}
