import express, { type RequestHandler } from 'express';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { publicRoute, type Route } from '../http/route';

/** Where `npm run build:ui` writes the dashboard (ui/vite.config.ts). */
export const DEFAULT_DASHBOARD_DIR = resolve(__dirname, '../../dist/ui');

/**
 * The page may load and call only this origin: scripts, styles and fonts are served from here (no CDN, works
 * offline), and an injected script could not send the API key it finds in sessionStorage anywhere else.
 */
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Dashboard not built</title></head>
<body><main><h1>The dashboard is not built</h1><p>Run <code>npm run build:ui</code> (npm install does it) and reload.</p></main></body></html>`;

/**
 * `/ui/`: the operator dashboard, a single page built by Vite into `dir`. It reads the API like any client, with
 * the API key its user pastes; this process only serves its files. The page is read on each request (it is small,
 * and a rebuild shows up without a restart); the hashed assets are cached for good.
 */
export function dashboardRoutes(dir: string): Route[] {
  return [
    publicRoute({
      method: 'GET',
      path: '/ui/',
      operationId: 'getDashboard',
      summary: 'The operator dashboard',
      description: 'An HTML page (sign in with an API key); its scripts and styles are served from /ui/assets/ by this process.',
      tag: 'Operations',
      action: null,
      responses: {
        200: { description: 'The dashboard page.', contentType: 'text/html' },
        503: { description: 'The dashboard has not been built (`npm run build:ui`).', contentType: 'text/html' },
      },
      handler: async () => {
        const headers = { 'Cache-Control': 'no-cache', 'Content-Security-Policy': CSP, 'X-Content-Type-Options': 'nosniff' };
        try {
          return { status: 200, text: await readFile(join(dir, 'index.html'), 'utf8'), contentType: 'html', headers };
        } catch {
          return { status: 503, text: NOT_BUILT, contentType: 'html', headers };
        }
      },
    }),
  ];
}

/** The dashboard's scripts and styles: content-hashed names, so they never change and are cached for a year. */
export function dashboardAssets(dir: string): RequestHandler {
  return express.static(join(dir, 'assets'), { index: false, fallthrough: false, immutable: true, maxAge: '365d' });
}
