import { describe, expect, it } from 'vitest';
import { passwordsCsv, passwordsFileName } from './passwordsCsv';

describe('passwordsCsv: the download of the initial passwords', () => {
  it('has the header and one row per user, in order, like the import command\'s file', () => {
    expect(passwordsCsv([{ username: 'zoe', password: 'AB3DEFGH2JKL' }, { username: 'adam', password: 'MNPQRSTU4VWX' }])).toBe(
      'username,password\nzoe,AB3DEFGH2JKL\nadam,MNPQRSTU4VWX\n',
    );
    expect(passwordsCsv([])).toBe('username,password\n');
  });

  it('quotes a field with a comma, a quote or a line break, and changes nothing else', () => {
    expect(passwordsCsv([{ username: 'o"neil', password: 'a,b' }, { username: 'x', password: 'l1\nl2' }, { username: '=1+1', password: ' sp ' }])).toBe(
      'username,password\n"o""neil","a,b"\nx,"l1\nl2"\n=1+1, sp \n',
    );
  });

  it('names the file after the time, in UTC, like the import command', () => {
    expect(passwordsFileName(new Date(Date.UTC(2026, 11, 7, 9, 5, 3)))).toBe('import-passwords-20261207T090503Z.csv');
  });
});
