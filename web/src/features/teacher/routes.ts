// The teacher's pages about one class, and how their paths read.

export const historyPath = (classId: number) => `/class/${classId}/history`;
export const pastSessionPath = (classId: number, sessionId: number) => `/class/${classId}/history/${sessionId}`;
export const reportPath = (classId: number) => `/class/${classId}/report`;

export type ClassPage =
  | { page: 'class'; classId: number }
  | { page: 'history'; classId: number }
  | { page: 'session'; classId: number; sessionId: number }
  | { page: 'report'; classId: number };

/** Which class page `path` names, or null. */
export function classPage(path: string): ClassPage | null {
  const m = /^\/class\/(\d+)(?:\/(history|report)(?:\/(\d+))?)?\/?$/.exec(path);
  if (!m) return null;
  const classId = Number(m[1]);
  if (!m[2]) return { page: 'class', classId };
  if (m[2] === 'report') return m[3] ? null : { page: 'report', classId };
  return m[3] ? { page: 'session', classId, sessionId: Number(m[3]) } : { page: 'history', classId };
}
