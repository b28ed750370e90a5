#!/usr/bin/env node
// A reference server for bench/: the subset of rollcall's wire contract (API.md)
// that `rollcall-load --scenario overrides` uses, in plain Node with Debian's `ws`
// (node-ws, /usr/share/nodejs/ws), so that a reader sees what a common WebSocket
// stack does with the same load next to rollcall's figures.
//
//   node bench/reference/ws-server.js [--port N] [--classes N] [--class-size N]
//
// Prints `reference listening on http://127.0.0.1:PORT` once listening (--port 0,
// the default, picks a free port). The district is rollcall's --demo shape: user 1
// "admin", teachers "Teacher t" (t teaches classes 3t-2..3t), then students
// "Student 001".. enrolled class_size per class, classes "Class 1".. with ids 1..N.
//
// The subset:
//   GET  /api/v1/classes                               200 {"classes":[{id,name,role}]}
//   GET  /api/v1/classes/{id}                          200 {id,name,teachers,student_count,join_code,students}
//   POST /api/v1/classes/{id}/sessions                 201 Session | 409 session_already_open
//   GET  /api/v1/classes/{id}/sessions/current         200 Session | 404 no_open_session
//   POST /api/v1/sessions/{sid}/close                  200 {session, marked_absent}
//   PUT  /api/v1/sessions/{sid}/attendance/{student}   200 AttendanceRecord (a teacher's override)
//   GET  /ws/attendance/{id}                           connection_established (a snapshot of the open
//        session), then session_opened/_closed, attendance_update and
//        attendance_state_changed, with seq +1 per event of the class, as rollcall sends them.
//
// What it is NOT, on purpose:
//  - No authentication. Any token is accepted, unverified, from `Authorization: Bearer`,
//    `?token=` or `Sec-WebSocket-Protocol`; only a request with none is 401. Everyone
//    is treated as an admin and gets the staff view (every subscriber of the benchmark
//    uses an admin token).
//  - Nothing on disk: state lives in memory and is gone when the process ends. rollcall
//    fdatasyncs every write to its log before answering it and before its event goes
//    out; this server answers and publishes at once. It measures the transport.
//  - No resume (`since`/`epoch` are ignored: every hello is recovered:false with a fresh
//    snapshot), no pings, no check-ins, bulk, students' view, history or reports.
// A subscriber whose unsent backlog passes 1 MiB is closed with 1013, as in rollcall.
'use strict';

const http = require('http');
const crypto = require('crypto');
let WebSocketServer;
try {
  ({ WebSocketServer } = require('ws'));
} catch {
  ({ WebSocketServer } = require('/usr/share/nodejs/ws'));  // Debian's node-ws
}

const SLOW_SUBSCRIBER_BYTES = 1 << 20;
const MAX_CLIENT_FRAME = 64 * 1024;
const epoch = crypto.randomBytes(4).toString('hex');  // a new history on every start

// ---- the district -------------------------------------------------------------------

function parseFlags(argv) {
  const flags = { port: 0, classes: 12, 'class-size': 30 };
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i].replace(/^--/, '');
    const value = Number(argv[i + 1]);
    if (!(name in flags) || !Number.isInteger(value) || value < 0) {
      console.error(`usage: ws-server.js [--port N] [--classes N] [--class-size N] (bad: ${argv[i]} ${argv[i + 1]})`);
      process.exit(2);
    }
    flags[name] = value;
  }
  return flags;
}

/// rollcall's --demo district: the same ids, names and teacher/enrolment layout.
function buildDistrict(classCount, classSize) {
  const pad = (n) => String(n).padStart(3, '0');
  const teacherCount = Math.floor((classCount + 2) / 3);
  const firstStudent = 2 + teacherCount;
  const classes = new Map();
  for (let c = 1; c <= classCount; c++) {
    const t = Math.floor((c + 2) / 3);
    const students = [];
    for (let k = (c - 1) * classSize + 1; k <= c * classSize; k++) {
      students.push({ id: firstStudent + k - 1, name: `Student ${pad(k)}` });
    }
    classes.set(c, {
      id: c, name: `Class ${c}`, teacher: { id: 1 + t, name: `Teacher ${t}` }, students,
      joinCode: crypto.randomBytes(5).toString('hex').toUpperCase().slice(0, 8),
      seq: 0, subscribers: new Set(), open: null,
    });
  }
  return classes;
}

const flags = parseFlags(process.argv.slice(2));
const classes = buildDistrict(flags.classes, flags['class-size']);
const sessions = new Map();  // session id -> session, open or closed
let nextSessionId = 1;

// ---- records and sessions ----------------------------------------------------------

const now = () => new Date().toISOString();  // RFC 3339 UTC, milliseconds, Z

function sessionJson(s) {
  return { id: s.id, class_id: s.cls.id, class_name: s.cls.name, status: s.status,
    starts_at: s.startsAt, closed_at: s.closedAt, late_after_minutes: s.lateAfter,
    verification_code: s.code };
}

function recordJson(s, student, r) {
  return { student_id: student.id, student_name: student.name, class_id: s.cls.id,
    class_session_id: s.id, class_name: s.cls.name, attendance_status: r.status,
    check_in_time: null, is_late: false, late_minutes: 0, verification_method: r.method,
    is_manual_override: r.override, override_reason: r.reason, offline: false,
    synced_at: null, timestamp: r.at };
}

function counts(s) {
  const c = { present: 0, late: 0, absent: 0, excused: 0, unmarked: 0, total: 0 };
  for (const r of s.records.values()) { c[r.status]++; c.total++; }
  return c;
}

function openSession(cls, lateAfter) {
  const at = now();
  const s = { id: nextSessionId++, cls, status: 'open', startsAt: at, closedAt: null,
    lateAfter, code: String(crypto.randomInt(1000000)).padStart(6, '0'), records: new Map() };
  for (const st of cls.students) {
    s.records.set(st.id, { status: 'unmarked', method: null, override: false, reason: null, at });
  }
  sessions.set(s.id, s);
  cls.open = s;
  publish(cls, 'session_opened', sessionJson(s));
  return s;
}

/// Every unmarked student becomes absent (session_close); returns how many.
function closeSession(s) {
  const at = now();
  let marked = 0;
  for (const r of s.records.values()) {
    if (r.status !== 'unmarked') continue;
    Object.assign(r, { status: 'absent', method: 'session_close', at });
    marked++;
  }
  Object.assign(s, { status: 'closed', closedAt: at });
  if (s.cls.open === s) s.cls.open = null;
  publish(s.cls, 'session_closed', sessionJson(s));
  publish(s.cls, 'attendance_state_changed', { class_session_id: s.id, counts: counts(s) });
  return marked;
}

/// A teacher's override: the record, then its two events (as rollcall sends them).
function override(s, student, status, reason) {
  const r = s.records.get(student.id);
  const change = r.status === 'unmarked' ? 'created' : 'updated';
  Object.assign(r, { status, method: 'teacher_override', override: true, reason, at: now() });
  const record = recordJson(s, student, r);
  publish(s.cls, 'attendance_update', { ...record, change });
  publish(s.cls, 'attendance_state_changed', { class_session_id: s.id, counts: counts(s) });
  return record;
}

// ---- live updates ------------------------------------------------------------------

function envelope(cls, type, data) {
  return JSON.stringify({ type, class_id: cls.id, seq: cls.seq, epoch, timestamp: now(), data });
}

/// The next event of the class, to every subscriber: encoded once, sent to each.
function publish(cls, type, data) {
  cls.seq++;
  const frame = Buffer.from(envelope(cls, type, data));
  for (const ws of cls.subscribers) {
    if (ws.bufferedAmount > SLOW_SUBSCRIBER_BYTES) {
      ws.close(1013, 'too slow');
      cls.subscribers.delete(ws);
      continue;
    }
    ws.send(frame, { binary: false });
  }
}

function hello(cls) {
  const s = cls.open;
  const snapshot = s
    ? { session: sessionJson(s), records: cls.students.map((st) => recordJson(s, st, s.records.get(st.id))),
      counts: counts(s) }
    : { session: null, records: [], counts: { present: 0, late: 0, absent: 0, excused: 0, unmarked: 0, total: 0 } };
  return envelope(cls, 'connection_established', { role: 'admin', user_id: 1, recovered: false, snapshot });
}

function subscribe(ws, cls) {
  ws.send(hello(cls));
  cls.subscribers.add(ws);
  ws.on('close', () => cls.subscribers.delete(ws));
  ws.on('message', (data) => {
    let msg = null;
    try { msg = JSON.parse(data); } catch { /* not JSON: ignored */ }
    if (msg && msg.type === 'ping') ws.send(envelope(cls, 'pong', {}));
  });
}

// ---- HTTP --------------------------------------------------------------------------

function tokenOf(req, url) {
  const auth = req.headers.authorization || '';
  if (auth.startsWith('Bearer ') && auth.length > 7) return auth.slice(7);
  return url.searchParams.get('token') || req.headers['sec-websocket-protocol'] || '';
}

function send(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
const error = (code, message) => ({ error: { code, message } });

/// The REST subset: [status, body] for a method, path and parsed JSON body.
function route(method, path, body) {
  let m;
  if (method === 'GET' && path === '/api/v1/classes') {
    return [200, { classes: [...classes.values()].map((c) => ({ id: c.id, name: c.name, role: 'admin' })) }];
  }
  if ((m = path.match(/^\/api\/v1\/classes\/(\d+)(\/sessions(\/current)?)?$/))) {
    const cls = classes.get(Number(m[1]));
    if (!cls) return [404, error('class_not_found', 'no such class')];
    if (method === 'GET' && !m[2]) {
      return [200, { id: cls.id, name: cls.name, teachers: [cls.teacher], student_count: cls.students.length,
        join_code: cls.joinCode, students: cls.students }];
    }
    if (method === 'POST' && m[2] && !m[3]) {
      if (cls.open) return [409, error('session_already_open', 'this class already has an open session')];
      const late = Number.isInteger(body.late_after_minutes) ? body.late_after_minutes : 5;
      return [201, sessionJson(openSession(cls, late))];
    }
    if (method === 'GET' && m[3]) {
      return cls.open ? [200, sessionJson(cls.open)] : [404, error('no_open_session', 'this class has no open session')];
    }
  }
  if ((m = path.match(/^\/api\/v1\/sessions\/(\d+)\/(close|attendance\/(\d+))$/))) {
    const s = sessions.get(Number(m[1]));
    if (!s) return [404, error('session_not_found', 'no such session')];
    if (method === 'POST' && m[2] === 'close') {
      if (s.status !== 'open') return [409, error('session_closed', 'this session is closed')];
      const marked = closeSession(s);
      return [200, { session: sessionJson(s), marked_absent: marked }];
    }
    if (method === 'PUT' && m[3]) {
      const student = s.cls.students.find((st) => st.id === Number(m[3]));
      if (!student) return [404, error('student_not_found', 'no such student in this class')];
      if (!['present', 'late', 'absent', 'excused'].includes(body.status)) {
        return [422, error('invalid_field', 'status: expected one of present, late, absent, excused')];
      }
      return [200, override(s, student, body.status, body.reason ?? null)];
    }
  }
  return [404, error('not_found', 'no such route in the reference server')];
}

function onRequest(req, res) {
  const url = new URL(req.url, 'http://reference');
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    if (!tokenOf(req, url)) return send(res, 401, error('unauthorized', 'missing bearer token'));
    let body = {};
    try { body = chunks.length ? JSON.parse(Buffer.concat(chunks)) : {}; } catch {
      return send(res, 400, error('invalid_json', 'the body is not JSON'));
    }
    const [status, answer] = route(req.method, url.pathname, body ?? {});
    send(res, status, answer);
  });
}

/// A handshake refused with a JSON error and no upgrade, as rollcall does.
function refuse(socket, status, code, message) {
  const text = JSON.stringify(error(code, message));
  socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
}

function onUpgrade(wss, req, socket, head) {
  const url = new URL(req.url, 'http://reference');
  const m = url.pathname.match(/^\/ws\/attendance\/(\d+)$/);
  const cls = m && classes.get(Number(m[1]));
  if (!tokenOf(req, url)) return refuse(socket, 401, 'unauthorized', 'missing token');
  if (!cls) return refuse(socket, 404, 'class_not_found', 'no such class');
  wss.handleUpgrade(req, socket, head, (ws) => subscribe(ws, cls));
}

// ---- main --------------------------------------------------------------------------

function main() {
  const wss = new WebSocketServer({ noServer: true, clientTracking: false, perMessageDeflate: false,
    maxPayload: MAX_CLIENT_FRAME });
  const server = http.createServer(onRequest);
  server.keepAliveTimeout = 60000;  // rollcall's; rollcall-load reuses connections idle < 5 s
  server.headersTimeout = 61000;
  server.on('upgrade', (req, socket, head) => onUpgrade(wss, req, socket, head));
  server.listen({ host: '127.0.0.1', port: flags.port, backlog: 4096 }, () => {
    console.log(`reference listening on http://127.0.0.1:${server.address().port}`);
  });
  process.on('SIGTERM', () => process.exit(0));
}

main();
