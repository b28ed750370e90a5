// One typed function per endpoint of the wire contract (shared/API.md) that the
// app calls. The only place that knows the URLs: components, the live feed and
// the student's check-in call these. Every failure is an ApiError (http.ts):
// status 0 / `network_error` when the server could not be reached.

import type {
  AdminTodayResponse,
  AdminUsersResponse,
  AttendanceRecord,
  AttendanceResponse,
  AuditEntry,
  AuditResponse,
  BulkRequest,
  BulkResponse,
  CheckInRequest,
  CheckInResponse,
  ClassDetail,
  ClassListResponse,
  ClassSummary,
  CloseSessionResponse,
  DateRange,
  JoinClassRequest,
  JoinClassResponse,
  LoginRequest,
  LoginResponse,
  MyAttendanceResponse,
  OpenSessionRequest,
  OverrideRequest,
  PushPreferences,
  PushSubscriptionBody,
  PushSubscriptionCreated,
  PushSubscriptionId,
  QrInfo,
  ReportResponse,
  RosterImportOutcome,
  Session,
  SessionHistoryResponse,
  SyncRequest,
  SyncResponse,
  UserQuery,
  VapidPublicKeyResponse,
} from '../types';
import { ApiError, apiBlob, apiJson, apiJsonWithStatus, RawBody, request } from './http';
import { parseImportResult, parseRosterRefusal } from './rosterImport';

const V1 = '/api/v1';

// §1 Roles and tokens

/** `POST /auth/login` (no token; a 401 here does not sign anyone out). */
export function login(body: LoginRequest): Promise<LoginResponse> {
  return apiJson<LoginResponse>('POST', `${V1}/auth/login`, body, { noAuth: true });
}

/**
 * `POST /auth/refresh` with the current token: a fresh one, answered like login.
 * A 401 (expired, disabled since) does not sign out here: the auth feature does,
 * with a message (features/auth/tokenRefresh.ts).
 */
export function refresh(): Promise<LoginResponse> {
  return apiJson<LoginResponse>('POST', `${V1}/auth/refresh`, undefined, { noSignOut: true });
}

// §4 Sessions and check-in

/** `GET /classes`: the caller's classes. */
export async function listClasses(): Promise<ClassSummary[]> {
  return (await apiJson<ClassListResponse>('GET', `${V1}/classes`)).classes;
}

/** `GET /classes/{id}` (roster and join code for the class's teachers). */
export function getClass(classId: number): Promise<ClassDetail> {
  return apiJson<ClassDetail>('GET', `${V1}/classes/${classId}`);
}

/** What a join came to: the class, and whether it was new (201) or not (200). */
export type JoinedClass = JoinClassResponse & { created: boolean };

/**
 * `POST /classes/join` (students): `created` tells 201 (joined now) from 200
 * (already enrolled); `422 invalid_join_code`, `429 too_many_attempts` after 5
 * unknown codes in 10 minutes (docs/api.md "Class join").
 */
export async function joinClass(body: JoinClassRequest): Promise<JoinedClass> {
  const { status, data } = await apiJsonWithStatus<JoinClassResponse>('POST', `${V1}/classes/join`, body);
  return { ...data, created: status === 201 };
}

/** `POST /classes/{id}/sessions`: `201 Session`; `409 session_already_open`. */
export function openSession(classId: number, body: OpenSessionRequest): Promise<Session> {
  return apiJson<Session>('POST', `${V1}/classes/${classId}/sessions`, body);
}

/** `POST /sessions/{id}/close` (no body): every unmarked student becomes absent. */
export function closeSession(sessionId: number): Promise<CloseSessionResponse> {
  return apiJson<CloseSessionResponse>('POST', `${V1}/sessions/${sessionId}/close`);
}

/** `GET /sessions/{id}/attendance`: the session, its records and counts. */
export function getAttendance(sessionId: number): Promise<AttendanceResponse> {
  return apiJson<AttendanceResponse>('GET', `${V1}/sessions/${sessionId}/attendance`);
}

/** `GET /sessions/{id}/audit`: every change, oldest first. */
export async function getAudit(sessionId: number): Promise<AuditEntry[]> {
  return (await apiJson<AuditResponse>('GET', `${V1}/sessions/${sessionId}/audit`)).entries;
}

/** `GET /sessions/{id}/qr`: the current QR token and when it rotates. */
export function getQr(sessionId: number): Promise<QrInfo> {
  return apiJson<QrInfo>('GET', `${V1}/sessions/${sessionId}/qr`);
}

/** `GET /sessions/{id}/qr.svg`: the check-in URL as an SVG QR code (typed `image/svg+xml`). */
export async function getQrSvg(sessionId: number): Promise<Blob> {
  const { blob } = await apiBlob(`${V1}/sessions/${sessionId}/qr.svg`, 'image/svg+xml');
  return blob.type ? blob : new Blob([blob], { type: 'image/svg+xml' });
}

/** `POST /attendance/check-in`: `created` tells 201 (first check-in) from 200 (already). */
export async function checkIn(body: CheckInRequest): Promise<CheckInResponse> {
  const { status, data } = await apiJsonWithStatus<AttendanceRecord>('POST', `${V1}/attendance/check-in`, body);
  return { created: status === 201, record: data };
}

/** `PUT /sessions/{id}/attendance/{student_id}`: a teacher's override. */
export function overrideAttendance(sessionId: number, studentId: number, body: OverrideRequest): Promise<AttendanceRecord> {
  return apiJson<AttendanceRecord>('PUT', `${V1}/sessions/${sessionId}/attendance/${studentId}`, body);
}

/** `POST /sessions/{id}/attendance/bulk`: all or nothing. */
export function bulkUpdate(sessionId: number, body: BulkRequest): Promise<BulkResponse> {
  return apiJson<BulkResponse>('POST', `${V1}/sessions/${sessionId}/attendance/bulk`, body);
}

export interface CsvExport {
  blob: Blob;
  /** From `Content-Disposition`, when the server names the file. */
  filename: string | null;
}

/** `?from=…&to=…` for the ends given ('' when neither is). */
function rangeQuery(range: DateRange): string {
  const q = new URLSearchParams();
  if (range.from) q.set('from', range.from);
  if (range.to) q.set('to', range.to);
  const qs = q.toString();
  return qs ? `?${qs}` : '';
}

async function csvFile(url: string): Promise<CsvExport> {
  const { blob, res } = await apiBlob(url, 'text/csv');
  const m = /filename="?([^";]+)"?/.exec(res.headers.get('Content-Disposition') ?? '');
  return { blob, filename: m ? m[1] : null };
}

/** `GET /classes/{id}/attendance.csv?from=YYYY-MM-DD&to=YYYY-MM-DD` (both optional). */
export function exportAttendanceCsv(classId: number, range: DateRange = {}): Promise<CsvExport> {
  return csvFile(`${V1}/classes/${classId}/attendance.csv${rangeQuery(range)}`);
}

/** `GET /classes/{id}/report.csv?from&to`: the report as CSV. */
export function exportReportCsv(classId: number, range: DateRange = {}): Promise<CsvExport> {
  return csvFile(`${V1}/classes/${classId}/report.csv${rangeQuery(range)}`);
}

/** `GET /classes/{id}/sessions?from&to` (teachers, admins): sessions with counts, newest first (at most 1000). */
export function listSessions(classId: number, range: DateRange = {}): Promise<SessionHistoryResponse> {
  return apiJson<SessionHistoryResponse>('GET', `${V1}/classes/${classId}/sessions${rangeQuery(range)}`);
}

/** `GET /classes/{id}/report?from&to`: each enrolled student's totals and rate. */
export function getReport(classId: number, range: DateRange = {}): Promise<ReportResponse> {
  return apiJson<ReportResponse>('GET', `${V1}/classes/${classId}/report${rangeQuery(range)}`);
}

/** `GET /me/attendance?from&to` (students): the caller's own records, newest first (at most 500). */
export function getMyAttendance(range: DateRange = {}): Promise<MyAttendanceResponse> {
  return apiJson<MyAttendanceResponse>('GET', `${V1}/me/attendance${rangeQuery(range)}`);
}

/** `GET /admin/today` (admins): every class, with today's session or null. */
export function getAdminToday(): Promise<AdminTodayResponse> {
  return apiJson<AdminTodayResponse>('GET', `${V1}/admin/today`);
}

/** `GET /admin/users?q&role&cursor` (admins): a page of at most 100 users by id. */
export function listUsers(query: UserQuery = {}): Promise<AdminUsersResponse> {
  const q = new URLSearchParams();
  if (query.q) q.set('q', query.q);
  if (query.role) q.set('role', query.role);
  if (query.cursor) q.set('cursor', query.cursor);
  const qs = q.toString();
  return apiJson<AdminUsersResponse>('GET', `${V1}/admin/users${qs ? `?${qs}` : ''}`);
}

// §6 Offline sync

/** `POST /sync`: one result per op, in order. */
export function sync(body: SyncRequest): Promise<SyncResponse> {
  return apiJson<SyncResponse>('POST', `${V1}/sync`, body);
}

// §8 Push notifications

/** `GET /push/vapid-public-key`: the server's VAPID public key (base64url), for `pushManager.subscribe`. */
export async function getVapidPublicKey(): Promise<string> {
  return (await apiJson<VapidPublicKeyResponse>('GET', `${V1}/push/vapid-public-key`)).public_key;
}

/**
 * `POST /push/subscriptions` with the browser's subscription (only `endpoint` and
 * `keys` are sent): `created` tells 201 (new) from 200 (this user already had it).
 */
export async function addPushSubscription(sub: PushSubscriptionBody): Promise<{ id: PushSubscriptionId; created: boolean }> {
  const body: PushSubscriptionBody = { endpoint: sub.endpoint, keys: { p256dh: sub.keys.p256dh, auth: sub.keys.auth } };
  const { status, data } = await apiJsonWithStatus<PushSubscriptionCreated>('POST', `${V1}/push/subscriptions`, body);
  return { id: data.id, created: status === 201 };
}

/** `DELETE /push/subscriptions/{id}`: `204`. */
export async function deletePushSubscription(id: PushSubscriptionId): Promise<void> {
  await request('DELETE', `${V1}/push/subscriptions/${encodeURIComponent(String(id))}`);
}

/** `GET /push/preferences`. */
export function getPushPreferences(): Promise<PushPreferences> {
  return apiJson<PushPreferences>('GET', `${V1}/push/preferences`);
}

/** `PUT /push/preferences`: answers the preferences as stored (a kind that does not fit the role is ignored). */
export function putPushPreferences(prefs: PushPreferences): Promise<PushPreferences> {
  return apiJson<PushPreferences>('PUT', `${V1}/push/preferences`, prefs);
}

// §7 Roster import (admin)

/**
 * `POST /admin/oneroster`: a OneRoster 1.1 CSV export zip, sent as it is and typed
 * `application/zip` whatever type the browser gave the file (Windows says
 * `application/x-zip-compressed`). Resolves with the counts (`imported`), or with
 * the rows of a `422 invalid_roster` (`refused`: nothing was imported); every other
 * answer throws, as every call does (`409 import_in_progress`, `413`, `415`, `403`,
 * `503`; ClientError `unreadable_import_answer` for a 200 of another shape). The
 * caller checks the size first (limits.ts ROSTER_ZIP_MAX_BYTES); the server checks it too.
 */
export async function importOneRoster(zip: Blob): Promise<RosterImportOutcome> {
  let answer: unknown;
  try {
    answer = await apiJson<unknown>('POST', `${V1}/admin/oneroster`, new RawBody(zip, 'application/zip'));
  } catch (err) {
    if (err instanceof ApiError && err.status === 422 && err.code === 'invalid_roster') {
      return { kind: 'refused', refusal: parseRosterRefusal(err.body) };
    }
    throw err;
  }
  return { kind: 'imported', result: parseImportResult(answer) };
}

// §5 Live updates

/** `/ws/attendance/{class_id}?token=…[&since=…&epoch=…]` on `wsBase` (e.g. `ws://host:8080`). */
export function attendanceSocketUrl(
  wsBase: string,
  classId: number,
  token: string,
  resume?: { since: number; epoch: string },
): string {
  let u = `${wsBase}/ws/attendance/${classId}?token=${encodeURIComponent(token)}`;
  if (resume) u += `&since=${resume.since}&epoch=${encodeURIComponent(resume.epoch)}`;
  return u;
}
