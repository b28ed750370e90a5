// The fetch wrapper under the typed client (client.ts): the Bearer token, JSON
// bodies, and errors as ApiError with the server's code (API.md: every error
// body is {"error": {"code", "message"}}). Components do not call this directly.

import { clearAuth, token } from '../auth';

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
    /** The whole JSON error body, for answers that carry more than `error` (a refused roster's `errors`). */
    public body?: unknown,
  ) {
    super(message);
  }
  /** No answer at all (no connection, DNS, the server down): status 0. */
  get isNetwork(): boolean {
    return this.status === 0;
  }
}

export interface RequestOptions {
  /** Send no token and do not sign out on 401 (the login call). */
  noAuth?: boolean;
  /** Send the token but do not sign out on 401: the caller decides (the refresh call). */
  noSignOut?: boolean;
  accept?: string;
}

/** A request body sent as it is (a file), typed `type`; any other body is sent as JSON. */
export class RawBody {
  constructor(
    readonly data: Blob,
    readonly type: string,
  ) {}
}

/** One request; resolves with a 2xx response, throws ApiError otherwise. */
export async function request(method: string, path: string, body?: unknown, opts: RequestOptions = {}): Promise<Response> {
  const headers: Record<string, string> = {};
  if (body instanceof RawBody) headers['Content-Type'] = body.type;
  else if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (opts.accept) headers['Accept'] = opts.accept;
  const t = opts.noAuth ? null : token();
  if (t) headers['Authorization'] = `Bearer ${t}`;
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body instanceof RawBody ? body.data : body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, 'network_error', 'No connection to the server.');
  }
  if (!res.ok) {
    let code = `http_${res.status}`;
    let message = res.statusText || `HTTP ${res.status}`;
    let j: any;
    try {
      j = await res.json();
      if (j && j.error) {
        code = j.error.code ?? code;
        message = j.error.message ?? message;
      }
    } catch {
      /* not JSON */
    }
    if (res.status === 401 && !opts.noAuth && !opts.noSignOut) clearAuth();
    throw new ApiError(res.status, code, message, j);
  }
  return res;
}

export async function apiJson<T>(method: string, path: string, body?: unknown, opts?: RequestOptions): Promise<T> {
  const res = await request(method, path, body, opts);
  return (await res.json()) as T;
}

/** Like apiJson, with the answer's status (a check-in: 201 created, 200 existing). */
export async function apiJsonWithStatus<T>(method: string, path: string, body?: unknown): Promise<{ status: number; data: T }> {
  const res = await request(method, path, body);
  return { status: res.status, data: (await res.json()) as T };
}

export async function apiBlob(path: string, accept?: string): Promise<{ blob: Blob; res: Response }> {
  const res = await request('GET', path, undefined, { accept });
  return { blob: await res.blob(), res };
}
