import { describe, expect, it } from 'vitest';
import { classPage, historyPath, pastSessionPath, reportPath } from './routes';

describe('classPage', () => {
  it('reads each class page', () => {
    expect(classPage('/class/4')).toEqual({ page: 'class', classId: 4 });
    expect(classPage('/class/4/')).toEqual({ page: 'class', classId: 4 });
    expect(classPage(historyPath(4))).toEqual({ page: 'history', classId: 4 });
    expect(classPage(pastSessionPath(4, 1048577))).toEqual({ page: 'session', classId: 4, sessionId: 1048577 });
    expect(classPage(reportPath(4))).toEqual({ page: 'report', classId: 4 });
  });
  it('names nothing else', () => {
    for (const p of ['/class', '/class/x', '/class/4/report/5', '/class/4/other', '/class/4/history/x', '/classes/4']) {
      expect(classPage(p)).toBeNull();
    }
  });
});
