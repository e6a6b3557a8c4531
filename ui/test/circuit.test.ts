import type { Page } from 'playwright-core';
import { Receiver, createIntegration, requestAccess, startDeliveryService, waitUntil, type DeliveryTestService } from '../../test/delivery/harness';
import { launchBrowser, type Browser } from './browser';
import { badge, count, eventually, signIn, text, visible } from './page';

/**
 * The delivery circuit breaker where an operator looks for it: a column of the integrations view and a note under
 * the integration's title, with the state, the failures in a row, the attempts allowed in flight and the next probe.
 * Three real destinations on loopback put three circuits in three states through the real worker:
 * - "Fraud signals" answers 503 with Retry-After: 600, so its circuit opens and its next probe is ten minutes away;
 * - "Incident timeline" fails once, then answers: the probe succeeds and the circuit is left half open
 *   (nothing more is queued to widen it);
 * - "Ledger archive" answers at once: closed.
 */
let svc: DeliveryTestService;
let browser: Browser;
let page: Page;
const receivers: Receiver[] = [];
const ids: Record<'open' | 'halfOpen' | 'closed', string> = { open: '', halfOpen: '', closed: '' };

const circuitOf = async (id: string) => (await svc.api('GET', `/v1/webhook-integrations/${id}`)).body.circuit;

beforeAll(async () => {
  const down = await new Receiver((_r, res) => res.writeHead(503, { 'Retry-After': '600' }).end('maintenance')).start();
  const flaky = await new Receiver((_r, res, n) => res.writeHead(n === 1 ? 503 : 204).end()).start();
  const up = await new Receiver().start();
  receivers.push(down, flaky, up);
  svc = await startDeliveryService({ env: { CF_WEBHOOK_RETRY_SCHEDULE: '0.2,0.4,0.8', CF_WEBHOOK_CONCURRENCY_PER_DESTINATION: '8' } });
  const only = { filter_for_actions: ['grant.requested'] };
  ids.open = (await createIntegration(svc, down, { name: 'Fraud signals', ...only })).id;
  ids.halfOpen = (await createIntegration(svc, flaky, { name: 'Incident timeline', ...only })).id;
  ids.closed = (await createIntegration(svc, up, { name: 'Ledger archive', ...only })).id;
  await requestAccess(svc);
  await waitUntil(async () => (await circuitOf(ids.open)).state === 'OPEN', 20_000, 'open circuit');
  await waitUntil(async () => (await circuitOf(ids.halfOpen)).state === 'HALF_OPEN', 20_000, 'half-open circuit');
  await up.waitFor((all) => all.length >= 1);
  browser = await launchBrowser();
  page = await browser.newPage();
});

afterAll(async () => {
  await browser?.close();
  await svc?.stop();
  await Promise.all(receivers.map((r) => r.stop()));
});

const row = (id: string) => page.locator(`tr[data-integration="${id}"]`);

test('the integrations view shows each circuit, with failures and the next probe of an open one', async () => {
  const open = await circuitOf(ids.open);
  expect(open).toMatchObject({ state: 'OPEN', consecutive_failures: 1, max_in_flight: 1 });
  expect(Date.parse(open.next_probe_at) - Date.now()).toBeGreaterThan(500_000); // the Retry-After: 600 s

  await signIn(page, svc.baseUrl, svc.apiKey);
  await count(page.locator('tbody tr[data-integration]'), 3);
  await eventually(async () => expect(await text(page.locator('.page-head p.muted'))).toContain('2 circuits not closed'));

  const openCell = row(ids.open).locator('[data-circuit]');
  expect(await openCell.getAttribute('data-circuit')).toBe('OPEN');
  expect(await text(openCell.locator('.badge'))).toMatch(/Open$/);
  expect(await text(openCell.locator('.cell-note'))).toBe('1 failure in a row · probe in 10 minutes');
  expect(await openCell.locator('time').getAttribute('datetime')).toBe(open.next_probe_at);

  const halfOpenCell = row(ids.halfOpen).locator('[data-circuit]');
  expect(await halfOpenCell.getAttribute('data-circuit')).toBe('HALF_OPEN');
  expect(await text(halfOpenCell.locator('.badge'))).toMatch(/Half open$/);
  expect(await text(halfOpenCell.locator('.cell-note'))).toBe('2 in flight allowed');

  const closedCell = row(ids.closed).locator('[data-circuit]');
  expect(await closedCell.getAttribute('data-circuit')).toBe('CLOSED');
  expect(await text(closedCell.locator('.badge'))).toMatch(/Closed$/);
  expect(await closedCell.locator('.cell-note').count()).toBe(0);
  await browser.screenshot(page, 'circuits');
});

test('an open circuit’s integration says so under its title, with its figures', async () => {
  const open = await circuitOf(ids.open);
  await row(ids.open).getByRole('link', { name: 'Fraud signals' }).click();
  await page.getByRole('heading', { level: 1, name: 'Fraud signals' }).waitFor();
  const note = page.getByRole('region', { name: 'Delivery circuit open' });
  await visible(note);
  expect(await text(note.locator('[data-field="consecutive_failures"]'))).toBe('1');
  expect(await text(note.locator('[data-field="max_in_flight"]'))).toBe('1');
  expect(await text(note.locator('[data-field="next_probe_at"] time').first())).toBe('in 10 minutes');
  expect(await note.locator('[data-field="next_probe_at"] time').first().getAttribute('datetime')).toBe(open.next_probe_at);
  expect(await note.locator('[data-field="changed_at"] time').getAttribute('datetime')).toBe(open.changed_at);
  // Its delivery waits for the probe: still pending, next attempt after the Retry-After.
  await visible(badge(page.locator('tr[data-delivery]'), 'Pending'));
  await browser.screenshot(page, 'circuit-open');
});

test('a half-open circuit shows what it allows; a closed one adds nothing', async () => {
  await page.goto(`${svc.baseUrl}/ui/#/integrations/${ids.halfOpen}`);
  await page.getByRole('heading', { level: 1, name: 'Incident timeline' }).waitFor();
  const note = page.getByRole('region', { name: 'Delivery circuit half open' });
  await visible(note);
  expect(await text(note.locator('[data-field="max_in_flight"]'))).toBe('2');
  expect(await text(note.locator('[data-field="consecutive_failures"]'))).toBe('0');
  expect(await note.locator('[data-field="next_probe_at"]').count()).toBe(0);

  await page.goto(`${svc.baseUrl}/ui/#/integrations/${ids.closed}`);
  await page.getByRole('heading', { level: 1, name: 'Ledger archive' }).waitFor();
  await visible(badge(page.locator('.title-meta'), 'Closed'));
  expect(await page.getByTestId('circuit-note').count()).toBe(0);
});

test('a read-only key sees the circuit too', async () => {
  const readOnly = await browser.newPage();
  await signIn(readOnly, svc.baseUrl, svc.readOnlyApiKey);
  await visible(readOnly.locator(`tr[data-integration="${ids.open}"] [data-circuit="OPEN"]`));
  await readOnly.goto(`${svc.baseUrl}/ui/#/integrations/${ids.open}`);
  await visible(readOnly.getByRole('region', { name: 'Delivery circuit open' }));
  await readOnly.close();
});
