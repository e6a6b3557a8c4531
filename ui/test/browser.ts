import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/**
 * Debian's Chromium (`apt-get install chromium`; .ci/run installs it when missing), driven by playwright-core.
 * Playwright's own browser download cannot work offline, so the system browser is used as it is.
 */
export const CHROMIUM = '/usr/bin/chromium';

/** Flags for a headless browser run as root in a container, quiet on the network (no update or sync traffic). */
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** Screenshots of each run, kept as test artefacts (gitignored). */
export const ARTEFACTS = resolve(__dirname, '../../test-artifacts/ui');

export interface Browser {
  context: BrowserContext;
  newPage(): Promise<Page>;
  /** Saves a full-page screenshot as test-artifacts/ui/<name>.png and returns its path. */
  screenshot(page: Page, name: string): Promise<string>;
  close(): Promise<void>;
}

/** A fresh browser with a user-data-dir of its own, removed on close. Pages fail the test on any page error. */
export async function launchBrowser(): Promise<Browser> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'cf-ui-chromium-'));
  mkdirSync(ARTEFACTS, { recursive: true });
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1366, height: 900 },
    locale: 'en-GB',
    timezoneId: 'UTC',
    reducedMotion: 'reduce',
  });
  const errors: string[] = [];
  context.on('weberror', (e) => errors.push(String(e.error())));
  // Anything the page tries to fetch from another origin is refused and fails the test: the dashboard works offline.
  const offOrigin: string[] = [];
  await context.route(/^(?!http:\/\/127\.0\.0\.1[:/]).*/, (route) => {
    const url = route.request().url();
    if (url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
    offOrigin.push(url);
    return route.abort();
  });
  for (const p of context.pages()) await p.close();
  return {
    context,
    newPage: () => context.newPage(),
    async screenshot(page, name) {
      const path = join(ARTEFACTS, `${name}.png`);
      // From the top: a full-page capture scrolls, and a sticky header would be drawn where the page was scrolled to.
      await page.evaluate('window.scrollTo(0, 0)');
      await page.screenshot({ path, fullPage: true });
      return path;
    },
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
      expect(errors).toEqual([]);
      expect(offOrigin).toEqual([]);
    },
  };
}
