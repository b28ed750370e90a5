import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { memoryStorage } from '../../api/testing';
import { lockedUntil, lockoutEnd, saveLockout } from './lockout';

const MIN = 60_000;

beforeEach(() => vi.stubGlobal('localStorage', memoryStorage()));
afterEach(() => vi.unstubAllGlobals());

describe('lockoutEnd', () => {
  it('is 10 minutes after the oldest of the last 5 wrong codes', () => {
    expect(lockoutEnd([1 * MIN, 2 * MIN, 3 * MIN, 4 * MIN, 5 * MIN], 5 * MIN)).toBe(11 * MIN);
    // Six on this device: the window is the last five's.
    expect(lockoutEnd([6 * MIN, 2 * MIN, 3 * MIN, 4 * MIN, 5 * MIN, 1 * MIN], 6 * MIN)).toBe(12 * MIN);
  });

  it('is 10 minutes from now at the latest when this device sent fewer than 5', () => {
    expect(lockoutEnd([4 * MIN], 5 * MIN)).toBe(15 * MIN);
    expect(lockoutEnd([], 5 * MIN)).toBe(15 * MIN);
  });
});

describe('the stored lockout', () => {
  it('holds for the same user, class and session until it ends, then is forgotten', () => {
    saveLockout(3, 1, '1-7', 20 * MIN);
    expect(lockedUntil(3, 1, '1-7', 19 * MIN)).toBe(20 * MIN);
    expect(lockedUntil(4, 1, '1-7', 19 * MIN)).toBe(null);
    expect(lockedUntil(3, 2, '1-7', 19 * MIN)).toBe(null);
    expect(lockedUntil(3, 1, '1-7', 20 * MIN)).toBe(null);
    // Forgotten: not back even if the clock goes back.
    expect(lockedUntil(3, 1, '1-7', 19 * MIN)).toBe(null);
    expect(localStorage.length).toBe(0);
  });

  it('is forgotten when another session of the class is open', () => {
    saveLockout(3, 1, '1-7', 20 * MIN);
    expect(lockedUntil(3, 1, '1-8', 10 * MIN)).toBe(null);
    expect(lockedUntil(3, 1, '1-7', 10 * MIN)).toBe(null);
  });
});
