import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The dashboard's build: `npm run build:ui` writes dist/ui/, which the API serves at /ui/ (api/dashboard/router.ts).
 * Everything the page needs is bundled into content-hashed files under /ui/assets/: no CDN, no web fonts.
 */
const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: '/ui/',
  logLevel: 'warn',
  // Preact's automatic JSX runtime (what the TypeScript config says too, for type-checking).
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/ui', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // The page's CSP allows no inline script or style: keep every asset a file, however small.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
});
