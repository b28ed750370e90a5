import { describe, expect, it } from 'vitest';
import { ROSTER_ZIP_MAX_BYTES } from '../../api/limits';
import { checkRosterFile } from './fileCheck';

describe('checkRosterFile: what the page refuses before sending', () => {
  it('the limit is the one of API.md §7: 64 MiB', () => {
    expect(ROSTER_ZIP_MAX_BYTES).toBe(64 * 1024 * 1024);
  });

  it('takes a file of exactly the limit', () => {
    expect(checkRosterFile({ name: 'district.zip', size: ROSTER_ZIP_MAX_BYTES })).toBeNull();
    expect(checkRosterFile({ name: 'district.zip', size: 22 })).toBeNull();
  });

  it('refuses one byte more, naming the file, its size and the limit', () => {
    const m = checkRosterFile({ name: 'district.zip', size: ROSTER_ZIP_MAX_BYTES + 1 });
    expect(m).toBe('district.zip is 64.0 MiB (67,108,865 bytes): the server takes at most 64 MiB (67,108,864 bytes). Nothing was sent.');
    expect(checkRosterFile({ name: 'big.zip', size: 70 * 1024 * 1024 })).toContain('big.zip is 70.0 MiB');
  });

  it('refuses an empty file', () => {
    expect(checkRosterFile({ name: 'empty.zip', size: 0 })).toBe('empty.zip is empty. Nothing was sent.');
  });
});
