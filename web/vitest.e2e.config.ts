import { defineConfig } from 'vitest/config';

// End-to-end tests: the real server (ROLLCALL_BIN) and Debian's chromium driven by
// playwright-core. One file at a time: each starts its own server and browser.
export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.test.ts'],
    environment: 'node',
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
