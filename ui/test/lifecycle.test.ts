import type { Page } from 'playwright-core';
import { Receiver, createIntegration, requestAccess, startDeliveryService, waitUntil, type DeliveryTestService } from '../../test/delivery/harness';
import { launchBrowser, type Browser } from './browser';
import { badge, count, eventually, signIn, text, visible } from './page';

/**
 * Pause, resume and recover from the dashboard, against the real service and a real receiver on loopback. The
 * buttons follow GET /v1/caller: an admin is offered them, a read-only principal is not (and the API refuses it).
 * The receiver answers 400 while `failing`: each delivery then fails after its retries while the destination's
 * circuit stays closed (it answers), so nothing waits for a probe.
 */
let svc: DeliveryTestService;
let browser: Browser;
let page: Page;
let receiver: Receiver;
let failing = false;
let id = '';
const NAME = 'Change feed';
const PATH = '/v1/webhook-integrations/{id}';

const deliveries = async () =>
  (await svc.api('GET', `/v1/webhook-integrations/${id}/deliveries?page_size=100`)).body.items as Array<{ id: string; event_id: string; status: string; attempt_count: number }>;
const toolbar = () => page.getByRole('toolbar', { name: 'Integration actions' });

beforeAll(async () => {
  receiver = await new Receiver((_r, res) => res.writeHead(failing ? 400 : 204).end()).start();
  svc = await startDeliveryService({ env: { CF_WEBHOOK_RETRY_SCHEDULE: '0.2' } });
  id = (await createIntegration(svc, receiver, { name: NAME, filter_for_actions: ['grant.requested'] })).id;
  browser = await launchBrowser();
  page = await browser.newPage();
});

afterAll(async () => {
  await browser?.close();
  await svc?.stop();
  await receiver?.stop();
});

test('GET /v1/caller offers pause, resume and recover to an admin and not to a read-only key', async () => {
  const allowed = async (key: string) =>
    Object.fromEntries(
      ((await svc.api('GET', '/v1/caller', undefined, key)).body.operations as Array<{ method: string; path: string; allowed: boolean }>)
        .filter((o) => o.method === 'POST' && /\/(pause|resume|recover)$/.test(o.path))
        .map((o) => [o.path.slice(PATH.length + 1), o.allowed])
    );
  expect(await allowed(svc.apiKey)).toEqual({ pause: true, resume: true, recover: true });
  expect(await allowed(svc.readOnlyApiKey)).toEqual({ pause: false, resume: false, recover: false });
});

test('an admin pauses: events queue and nothing is sent; resumes: the queue goes out', async () => {
  await signIn(page, svc.baseUrl, svc.apiKey);
  await page.getByRole('link', { name: NAME }).click();
  await page.getByRole('heading', { level: 1, name: NAME }).waitFor();
  expect(await toolbar().getByRole('button', { name: 'Resume' }).count()).toBe(0);

  await toolbar().getByRole('button', { name: 'Pause' }).click();
  await eventually(async () => expect(await text(page.getByTestId('action-outcome'))).toContain('Paused'));
  await visible(badge(page.locator('.title-meta'), 'Paused'));
  await visible(toolbar().getByRole('button', { name: 'Resume' }));
  expect(await toolbar().getByRole('button', { name: 'Pause' }).count()).toBe(0);
  expect((await svc.api('GET', `/v1/webhook-integrations/${id}`)).body.status).toBe('PAUSED');

  await requestAccess(svc);
  const [queued] = await waitUntil(async () => {
    const all = await deliveries();
    return all.length === 1 && all;
  });
  // Queued while paused: pending, never attempted; the page shows it so.
  const row = page.locator(`tr[data-delivery="${queued.id}"]`);
  await visible(badge(row, 'Pending'));
  expect(await text(row.locator('td.num'))).toBe('0');
  expect(receiver.received.filter((r) => r.id === queued.event_id)).toHaveLength(0);
  expect((await deliveries())[0]).toMatchObject({ status: 'PENDING', attempt_count: 0 });
  await browser.screenshot(page, 'paused');

  await toolbar().getByRole('button', { name: 'Resume' }).click();
  await visible(badge(page.locator('.title-meta'), 'Healthy'));
  await receiver.waitFor((all) => all.some((r) => r.id === queued.event_id));
  await visible(badge(row, 'Succeeded'), 20_000);
  await visible(toolbar().getByRole('button', { name: 'Pause' }));
});

test('the integrations view lists a paused integration under the Paused filter', async () => {
  await svc.api('POST', `/v1/webhook-integrations/${id}/pause`);
  await page.getByRole('link', { name: 'All integrations' }).click();
  await page.getByLabel('Status').selectOption('PAUSED');
  await count(page.locator('tbody tr[data-integration]'), 1);
  await visible(badge(page.locator(`tr[data-integration="${id}"]`), 'Paused'));
  await svc.api('POST', `/v1/webhook-integrations/${id}/resume`);
  await page.getByLabel('Status').selectOption('');
});

test('an admin recovers the failed deliveries of a window, and the receiver gets them again', async () => {
  failing = true;
  await requestAccess(svc);
  await requestAccess(svc);
  const failed = await waitUntil(async () => {
    const all = (await deliveries()).filter((d) => d.status === 'FAILED');
    return all.length === 2 && all;
  });
  failing = false;

  await page.getByRole('link', { name: NAME }).click();
  await page.getByRole('heading', { level: 1, name: NAME }).waitFor();
  for (const d of failed) await visible(badge(page.locator(`tr[data-delivery="${d.id}"]`), 'Failed'));
  await toolbar().getByRole('button', { name: 'Recover failed…' }).click();
  const panel = page.getByRole('region', { name: 'Recover failed deliveries' });
  // The default window (the last 24 hours) holds both.
  expect(await panel.getByLabel('Created from').inputValue()).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d$/);
  await panel.getByRole('button', { name: 'Queue them again' }).click();
  await visible(panel.getByText('2 failed deliveries queued again, oldest first.'));
  for (const d of failed) await visible(badge(page.locator(`tr[data-delivery="${d.id}"]`), 'Succeeded'), 20_000);
  const again = await receiver.waitFor((all) => failed.every((d) => all.filter((r) => r.id === d.event_id && r.verified).length === 3));
  expect(again.length).toBeGreaterThan(0);

  // Nothing is left to recover in that window.
  await panel.getByRole('button', { name: 'Queue them again' }).click();
  await visible(panel.getByText('No failed delivery created in that window is left to queue', { exact: false }));
});

test('a read-only key sees a paused integration as paused, and no pause, resume or recover button', async () => {
  await svc.api('POST', `/v1/webhook-integrations/${id}/pause`);
  const readOnly = await browser.newPage();
  await signIn(readOnly, svc.baseUrl, svc.readOnlyApiKey);
  await readOnly.getByRole('link', { name: NAME }).click();
  await readOnly.getByRole('heading', { level: 1, name: NAME }).waitFor();
  await visible(badge(readOnly.locator('.title-meta'), 'Paused'));
  expect(await readOnly.getByRole('button', { name: /pause|resume|recover/i }).count()).toBe(0);
  // The API decides regardless of what the page offers.
  expect((await svc.api('POST', `/v1/webhook-integrations/${id}/resume`, undefined, svc.readOnlyApiKey)).status).toBe(403);
  await readOnly.close();
  await svc.api('POST', `/v1/webhook-integrations/${id}/resume`);
});
