/// <reference types="vitest/config" />
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { defineConfig, type Plugin } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * Builds src/sw.ts and what it imports into dist/sw.js (a fixed name at the root,
 * so its scope is the whole app) with the list of the build's files injected, so the service worker
 * can precache the app shell: index.html and every hashed asset.
 */
function serviceWorker(): Plugin {
  return {
    name: 'rollcall-service-worker',
    apply: 'build',
    async generateBundle(_options, bundle) {
      const files = Object.keys(bundle)
        .filter((f) => !f.endsWith('.map') && f !== 'index.html')
        .map((f) => '/' + f);
      const publicFiles = ['/manifest.webmanifest', '/icon.svg'];
      const precache = ['/', ...files, ...publicFiles].sort();
      const version = createHash('sha256').update(precache.join('\n')).digest('hex').slice(0, 12);
      // Bundled with its imports (src/sw/*.ts, the parts Vitest tests) into one
      // classic worker script: no module syntax, so every browser can run it.
      const out = await build({
        entryPoints: [root + 'src/sw.ts'],
        bundle: true,
        write: false,
        minify: true,
        target: 'es2020',
        format: 'iife',
        logLevel: 'silent',
        define: {
          __PRECACHE__: JSON.stringify(precache),
          __SW_VERSION__: JSON.stringify(version),
        },
      });
      this.emitFile({ type: 'asset', fileName: 'sw.js', source: out.outputFiles[0].text });
    },
  };
}

export default defineConfig({
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    target: 'es2020',
    outDir: 'dist',
    emptyOutDir: true,
    assetsInlineLimit: 0,
    reportCompressedSize: true,
  },
  plugins: [serviceWorker()],
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
