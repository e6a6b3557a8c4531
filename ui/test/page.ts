import type { Locator, Page } from 'playwright-core';

/** What the dashboard's browser tests do on a page: sign in, wait for what the page shows as it polls the API. */

/** Signs in at `${baseUrl}/ui/` with `key` and waits for the integrations view. */
export async function signIn(page: Page, baseUrl: string, key: string): Promise<void> {
  await page.goto(`${baseUrl}/ui/`);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Integrations' }).waitFor();
}

/** Retries a jest assertion until it holds or `timeout` ms pass (the page polls the API on its own schedule). */
export async function eventually(check: () => Promise<void>, timeout = 10_000): Promise<void> {
  const deadline = Date.now() + timeout;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

export const visible = (locator: Locator, timeout = 10_000) => locator.first().waitFor({ state: 'visible', timeout });
export const count = (locator: Locator, n: number) => eventually(async () => expect(await locator.count()).toBe(n));
export const text = async (locator: Locator) => ((await locator.first().textContent()) ?? '').trim();

/**
 * The status badge in `scope` that reads exactly `label` (after its icon): "Healthy" does not match "Unhealthy",
 * as a plain text lookup would.
 */
export const badge = (scope: Page | Locator, label: string) =>
  scope.locator('.badge').filter({ hasText: new RegExp(`^[^\\p{L}\\d]*${label}$`, 'u') });

/**
 * Form controls and buttons on the page that a screen reader could not name: no <label>, aria-label or
 * aria-labelledby for a control; no text or aria-label for a button. Returns a short description of each.
 */
export async function unnamedControls(page: Page): Promise<string[]> {
  return page.evaluate<string[]>(`(() => {
    const named = (el) => (el.labels && el.labels.length > 0) || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
    const out = [];
    for (const el of document.querySelectorAll('input:not([type=hidden]), select, textarea')) if (!named(el)) out.push(el.outerHTML.slice(0, 120));
    for (const el of document.querySelectorAll('button, a[href]')) if (!(el.textContent || '').trim() && !el.getAttribute('aria-label')) out.push(el.outerHTML.slice(0, 120));
    return out;
  })()`);
}
