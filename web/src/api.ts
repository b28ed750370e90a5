// REST calls with the Bearer token; errors become ApiError with the server's code.

import { clearAuth, token } from './auth';

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
  ) {
    super(message);
  }
  get isNetwork(): boolean {
    return this.status === 0;
  }
}

export interface RequestOptions {
  /** Do not sign out on 401 (the login call). */
  noAuth?: boolean;
  accept?: string;
}

async function request(method: string, path: string, body?: unknown, opts: RequestOptions = {}): Promise<Response> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (opts.accept) headers['Accept'] = opts.accept;
  const t = opts.noAuth ? null : token();
  if (t) headers['Authorization'] = `Bearer ${t}`;
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, 'network_error', 'No connection to the server.');
  }
  if (!res.ok) {
    let code = `http_${res.status}`;
    let message = res.statusText || `HTTP ${res.status}`;
    try {
      const j = await res.json();
      if (j && j.error) {
        code = j.error.code ?? code;
        message = j.error.message ?? message;
      }
    } catch {
      /* not JSON */
    }
    if (res.status === 401 && !opts.noAuth) clearAuth();
    throw new ApiError(res.status, code, message);
  }
  return res;
}

export async function apiJson<T>(method: string, path: string, body?: unknown, opts?: RequestOptions): Promise<T> {
  const res = await request(method, path, body, opts);
  return (await res.json()) as T;
}

export async function apiBlob(path: string, accept?: string): Promise<{ blob: Blob; res: Response }> {
  const res = await request('GET', path, undefined, { accept });
  return { blob: await res.blob(), res };
}

export const get = <T>(path: string) => apiJson<T>('GET', path);
export const post = <T>(path: string, body?: unknown, opts?: RequestOptions) => apiJson<T>('POST', path, body, opts);
export const put = <T>(path: string, body?: unknown) => apiJson<T>('PUT', path, body);
