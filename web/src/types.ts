// Wire types of the rollcall contract (shared/API.md).

export type Role = 'admin' | 'teacher' | 'student';
export type Status = 'present' | 'late' | 'absent' | 'excused' | 'unmarked';
export type Method =
  | 'qr_code'
  | 'verification_code'
  | 'teacher_override'
  | 'bulk'
  | 'session_close'
  | null;

export interface User {
  id: number;
  username: string;
  name: string;
  role: Role;
}

export interface LoginResponse {
  access_token: string;
  token_type: string;
  expires_in: number;
  user: User;
}

export interface ClassSummary {
  id: number;
  name: string;
  role: Role;
}

/** `POST /classes/join` (API.md §4 "Class join"). */
export interface JoinClassRequest {
  join_code: string;
}

/** `201` joined, `200` already enrolled. */
export interface JoinClassResponse {
  class_id: number;
  class_name: string;
}

export interface ClassDetail {
  id: number;
  name: string;
  teachers: { id: number; name: string }[];
  student_count: number;
  join_code?: string;
  students?: { id: number; name: string }[];
}

export interface Session {
  id: number;
  class_id: number;
  class_name: string;
  status: 'open' | 'closed';
  starts_at: string;
  closed_at: string | null;
  late_after_minutes: number;
  verification_code?: string;
}

export interface AttendanceRecord {
  student_id: number;
  student_name: string;
  class_id: number;
  class_session_id: number;
  class_name: string;
  attendance_status: Status;
  check_in_time: string | null;
  is_late: boolean;
  late_minutes: number;
  verification_method: Method;
  is_manual_override: boolean;
  override_reason: string | null;
  /** This version came from offline sync (API.md §3, §6): the client chose its time. */
  offline: boolean;
  /** When the server received the synced version; null unless `offline`. */
  synced_at: string | null;
  timestamp: string;
  change?: 'created' | 'updated';
}

export interface Counts {
  present: number;
  late: number;
  absent: number;
  excused: number;
  unmarked: number;
  total: number;
}

export interface AttendanceResponse {
  session: Session;
  records: AttendanceRecord[];
  counts: Counts;
}

export interface ClassListResponse {
  classes: ClassSummary[];
}

export interface LoginRequest {
  username: string;
  password: string;
}

/** `POST /classes/{id}/sessions` (body optional). */
export interface OpenSessionRequest {
  late_after_minutes?: number;
  rotating_code?: boolean;
}

export interface CloseSessionResponse {
  session: Session;
  marked_absent: number;
}

export interface QrInfo {
  token: string;
  expires_at: string;
  rotates_at?: string;
  check_in_url: string;
  /** With `rotating_code` only. */
  verification_code?: string;
  code_expires_at?: string;
}

export interface AuditEntry {
  at: string;
  actor_id: number;
  student_id: number;
  from: Status;
  to: Status;
  method: Method;
  reason: string | null;
  /** Present (true) only when the change came from offline sync (docs/api.md). */
  offline?: boolean;
}

export interface Snapshot {
  session: Session | null;
  records: AttendanceRecord[];
  counts: Counts;
}

export interface LiveEvent {
  type: string;
  class_id: number;
  seq: number;
  epoch: string;
  timestamp: string;
  data: any;
}

export interface BulkUpdate {
  student_id: number;
  status: Status;
  reason: string | null;
}

/** `POST /sessions/{id}/attendance/bulk`: `updates` and/or `mark_remaining`. */
export interface BulkRequest {
  updates?: BulkUpdate[];
  mark_remaining?: Status;
}

/** `PUT /sessions/{id}/attendance/{student_id}`. */
export interface OverrideRequest {
  status: Status;
  reason: string | null;
}

export interface AuditResponse {
  entries: AuditEntry[];
}

/** `POST /attendance/check-in`: by QR token, or by the class's code. */
export type CheckInRequest =
  | { method: 'qr_code'; qr_token: string }
  | { method: 'verification_code'; class_id: number; code: string };

/** A check-in's answer: `201` the first time (created), `200` the existing record. */
export interface CheckInResponse {
  created: boolean;
  record: AttendanceRecord;
}

/** A student's check-in as a sync op (API.md §6; the only kind the app sends). */
export type CheckInSyncOp = {
  op_id: string;
  kind: 'check_in';
  method: 'verification_code' | 'qr_code';
  class_id: number;
  code?: string;
  qr_token?: string;
  client_time: string;
};

export type SyncRequest = {
  client_id: string;
  ops: CheckInSyncOp[];
};

export interface BulkResponse {
  updated: number;
  records: AttendanceRecord[];
  counts: Counts;
}

export interface SyncResult {
  op_id: string;
  outcome: 'applied' | 'duplicate' | 'superseded' | 'rejected';
  record?: AttendanceRecord;
  error?: { code: string; message: string };
}

export interface SyncResponse {
  results: SyncResult[];
  server_time: string;
}

// §8 Push notifications (Web Push)

/** `GET /push/vapid-public-key`: base64url of the 65-byte uncompressed P-256 point. */
export interface VapidPublicKeyResponse {
  public_key: string;
}

/** What `POST /push/subscriptions` takes: `PushSubscription.toJSON()`'s endpoint and keys. */
export interface PushSubscriptionBody {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

/** The server's name for a stored subscription (API.md §8 `{"id"}`; kept as the server gave it). */
export type PushSubscriptionId = number | string;

export interface PushSubscriptionCreated {
  id: PushSubscriptionId;
}

/** `GET`/`PUT /push/preferences`: which kinds of notification the user wants. */
export interface PushPreferences {
  session_opened: boolean;
  status_changed: boolean;
  missing_digest: boolean;
}

/** The kinds of notification; each has a preference of the same name. */
export type PushKind = keyof PushPreferences;

// §7 Roster import (`POST /api/v1/admin/oneroster`, admin)

/** A new user without a password in the export, and the one the server gave them. */
export interface InitialPassword {
  username: string;
  password: string;
}

/** `200`: what the import changed (all of it, or nothing: see RosterRefusal). */
export interface RosterImportResult {
  users_added: number;
  users_updated: number;
  classes_added: number;
  classes_updated: number;
  enrollments_added: number;
  /** Optional counts (docs/api.md "Roster import"): existing users whose enabledUser is false. */
  users_disabled?: number;
  /** Rows left out by design: other roles, `tobedeleted`, disabled new users. */
  users_skipped?: number;
  classes_skipped?: number;
  /** Enrollments the roster already had. */
  enrollments_kept?: number;
  enrollments_skipped?: number;
  /** In the order given; empty when every new user had a password in the file. */
  initial_passwords: InitialPassword[];
}

/** One problem of a refused import; `line` 0 means the file as a whole (a missing column, a missing file). */
export interface RosterError {
  file: string;
  line: number;
  message: string;
}

/** `422 invalid_roster`: nothing was imported. `unreadable`: entries of `errors` the app could not read. */
export interface RosterRefusal {
  errors: RosterError[];
  unreadable: number;
}

/** What `importOneRoster` resolves with (every other answer is thrown). */
export type RosterImportOutcome = { kind: 'imported'; result: RosterImportResult } | { kind: 'refused'; refusal: RosterRefusal };

// §4 History, reports and the admin's views (dates in the district's time zone)

/** A date range, `YYYY-MM-DD` inclusive; an empty or missing end is open. */
export interface DateRange {
  from?: string;
  to?: string;
}

/** One of `GET /classes/{id}/sessions`: the session and its counts. */
export type SessionWithCounts = Session & { counts: Counts };

/** `GET /classes/{id}/sessions`: newest first; `truncated` when more matched than were sent. */
export interface SessionHistoryResponse {
  sessions: SessionWithCounts[];
  truncated?: boolean;
}

/** One student's line of `GET /classes/{id}/report`. */
export interface ReportRow {
  student_id: number;
  student_name: string;
  present: number;
  late: number;
  absent: number;
  excused: number;
  unmarked: number;
  sessions: number;
  /** (present + late) / (present + late + absent), 0..1; null when there is nothing to count. */
  attendance_rate: number | null;
}

export interface ReportResponse {
  students: ReportRow[];
  truncated?: boolean;
}

/** `GET /me/attendance` (students): their own records, newest first. */
export interface MyAttendanceResponse {
  records: AttendanceRecord[];
  truncated?: boolean;
}

/** One class of `GET /admin/today`; `session` null: attendance not taken today. */
export interface TodayClass {
  class_id: number;
  class_name: string;
  teachers: { id: number; name: string }[];
  session: Session | null;
  counts: Counts;
}

export interface AdminTodayResponse {
  /** Today in the district's time zone, `YYYY-MM-DD`. */
  date: string;
  classes: TodayClass[];
  truncated?: boolean;
}

/** One user of `GET /admin/users`. */
export interface AdminUser {
  id: number;
  username: string;
  name: string;
  role: Role;
  enabled: boolean;
  classes: number[];
}

/** A page of at most 100 users; `next_cursor` null on the last. */
export interface AdminUsersResponse {
  users: AdminUser[];
  next_cursor: string | null;
}

/** What `GET /admin/users` filters on. */
export interface UserQuery {
  q?: string;
  role?: Role | '';
  cursor?: string | null;
}
