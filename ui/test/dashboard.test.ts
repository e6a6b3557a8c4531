import type { Page } from 'playwright-core';
import { Receiver, createIntegration, requestAccess, startDeliveryService, waitUntil, type DeliveryTestService } from '../../test/delivery/harness';
import { launchBrowser, type Browser } from './browser';
import { badge, count, eventually, signIn as signInAt, text, unnamedControls, visible } from './page';
import { seedHistory, seedIntegrations } from './seed';

/**
 * The dashboard in a real browser (Debian's Chromium, headless) against the real service on its own database,
 * delivering to a real receiver on loopback. Screenshots land in test-artifacts/ui/.
 */
let svc: DeliveryTestService;
let browser: Browser;
let receiver: Receiver;
let failing = true;
let main: { id: string; secret: string };
let seeded: Record<string, string>;

const NAME = 'Payments audit sink';
/** Labels of every button that changes something; a read-only principal must see none of them. */
const ACTION_BUTTONS = /send test event|retry|signing secret|reveal|rotate|pause|resume|recover/i;

beforeAll(async () => {
  receiver = await new Receiver((_r, res) => {
    if (failing) res.writeHead(503, { 'Content-Type': 'text/plain' }).end('Service Unavailable: down for maintenance');
    else res.writeHead(204).end();
  }).start();
  // One retry after 0.2 s, then the delivery fails: a failed delivery within a second.
  svc = await startDeliveryService({ env: { CF_WEBHOOK_RETRY_SCHEDULE: '0.2' } });
  seeded = await seedIntegrations(svc);
  main = await createIntegration(svc, receiver, { name: NAME, send_audit_log_events: true, filter_for_actions: ['grant.requested'] });
  await seedHistory(svc.service.db.pool, main.id);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await svc?.stop();
  await receiver?.stop();
});

/** The newest delivery to the receiving integration, once it has reached `status`. */
async function newestDelivery(status: string): Promise<{ id: string; event_id: string }> {
  return waitUntil(
    async () => {
      const res = await svc.api('GET', `/v1/webhook-integrations/${main.id}/deliveries?page_size=1`);
      return res.body.items[0]?.status === status && res.body.items[0];
    },
    20_000,
    `newest delivery ${status}`
  );
}

const signIn = (page: Page, key: string) => signInAt(page, svc.baseUrl, key);

describe('an admin', () => {
  let page: Page;
  let failed: { id: string; event_id: string };

  beforeAll(async () => {
    await requestAccess(svc); // grant.requested → one delivery → 503, 503 → FAILED
    failed = await newestDelivery('FAILED');
    page = await browser.newPage();
  });

  test('signs in at /ui/ with an API key, finds an integration by name, opens it and sees its deliveries', async () => {
    await signIn(page, svc.apiKey);
    const rows = page.locator('tbody tr[data-integration]');
    await count(rows, 4);
    const mainRow = page.locator(`tr[data-integration="${main.id}"]`);
    await visible(badge(mainRow, 'Unhealthy')); // its delivery ran out of retries
    expect(await badge(mainRow, 'Healthy').count()).toBe(0);
    await visible(page.locator('tr', { hasText: 'Legacy ticketing bridge' }).getByText('410 Gone', { exact: false }));
    await eventually(async () => expect(await text(mainRow.locator('td.num'))).toMatch(/^\d+$/));
    // On a common laptop width every column fits: the table needs no sideways scrolling.
    const tableOverflow = await page.evaluate<number>(`(() => { const t = document.querySelector('.table-wrap'); return t.scrollWidth - t.clientWidth; })()`);
    expect(tableOverflow).toBeLessThanOrEqual(0);
    await browser.screenshot(page, 'integrations');

    await page.getByLabel('Find by name or URL').fill('payments');
    await count(rows, 1);
    // By keyboard: the name is a link.
    await page.getByRole('link', { name: NAME }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: NAME }).waitFor();
    expect(page.url()).toContain(`#/integrations/${main.id}`);

    const row = page.locator(`tr[data-delivery="${failed.id}"]`);
    await visible(row.getByText('Failed'));
    await visible(row.getByText('503'));
    expect(await text(row.locator('td.num'))).toBe('2');
    await visible(page.getByRole('button', { name: 'Send test event' }));
    await visible(page.getByRole('button', { name: 'Signing secret' }));
    await browser.screenshot(page, 'integration');
  });

  test('the charts render the server’s per-minute aggregates', async () => {
    const bars = page.locator('[data-chart="outcomes"] rect[data-outcome]');
    await eventually(async () => expect(await bars.count()).toBeGreaterThan(50));
    expect(await page.locator('[data-chart="outcomes"] rect[data-outcome="no_response"]').count()).toBeGreaterThan(0);
    const p99 = await page.locator('[data-chart="latency"] path[data-series="p99"]').getAttribute('d');
    // A line through the minutes with attempts (a minute without any breaks it: a new M starts the next piece).
    expect(p99).toMatch(/^M[\d.]+,[\d.]+L/);
    expect(p99!.match(/[ML][\d.]+,[\d.]+/g)!.length).toBeGreaterThan(40);
    const label = await page.locator('[data-chart="outcomes"] svg[role="img"]').getAttribute('aria-label');
    expect(label).toMatch(/^[\d,]+ attempts in 60 minutes/);
  });

  test('sees the failed delivery’s attempts, retries it, and sees it succeed at the receiver', async () => {
    await page.locator(`tr[data-delivery="${failed.id}"] a`).click();
    const panel = page.locator('#delivery');
    await panel.locator('[data-attempt]').first().waitFor();
    await count(panel.locator('[data-attempt]'), 2);
    await visible(panel.locator('[data-attempt]').first().getByText('503'));
    await visible(panel.getByText('Service Unavailable: down for maintenance').first());

    failing = false;
    const before = receiver.received.filter((r) => r.id === failed.event_id).length;
    await panel.getByRole('button', { name: 'Retry now' }).click();
    await visible(panel.getByText('Succeeded'), 20_000);
    await count(panel.locator('[data-attempt]'), 3);
    await visible(panel.locator('[data-attempt]').first().getByText('204'));
    // The receiver really got it again, same webhook-id, signed.
    const got = receiver.received.filter((r) => r.id === failed.event_id);
    expect(got.length).toBe(before + 1);
    expect(got.at(-1)!.verified).toBe(true);
    await visible(page.locator(`tr[data-delivery="${failed.id}"]`).getByText('Succeeded'), 10_000);
    await browser.screenshot(page, 'delivery');
  });

  test('filters the deliveries by status', async () => {
    const statusFilter = page.locator('#deliveries').getByLabel('Status');
    const badges = page.locator('tr[data-delivery] td:first-child');
    await statusFilter.selectOption('FAILED');
    await eventually(async () => {
      const shown = await badges.allTextContents();
      expect(shown.length).toBeGreaterThan(0);
      expect(shown.every((t) => t.includes('Failed'))).toBe(true);
    });
    expect(await page.locator(`tr[data-delivery="${failed.id}"]`).count()).toBe(0); // retried: no longer failed
    await statusFilter.selectOption('SUCCEEDED');
    await visible(page.locator(`tr[data-delivery="${failed.id}"]`));
    expect((await badges.allTextContents()).every((t) => t.includes('Succeeded'))).toBe(true);
    await statusFilter.selectOption('');
  });

  test('sends a test event and reveals the signing secret only when asked', async () => {
    await page.getByRole('button', { name: 'Send test event' }).click();
    await eventually(async () => expect(await text(page.getByTestId('action-outcome'))).toContain('delivered, HTTP 204'), 20_000);
    expect(await page.content()).not.toContain(main.secret);
    await page.getByRole('button', { name: 'Signing secret' }).click();
    await page.getByRole('button', { name: 'Reveal secret' }).click();
    await eventually(async () => expect(await page.getByRole('textbox', { name: 'Secret' }).inputValue()).toBe(main.secret));
    await page.getByRole('button', { name: 'Hide' }).click();
    await count(page.getByRole('textbox', { name: 'Secret' }), 0);
  });

  test('rotates the signing secret after a confirmation; the API then holds the new one', async () => {
    await page.getByRole('button', { name: 'Rotate…' }).click();
    await page.getByRole('button', { name: 'Rotate the secret' }).click();
    const box = page.getByRole('textbox', { name: 'Secret' });
    await eventually(async () => expect(await box.inputValue()).toMatch(/^whsec_/));
    const rotated = await box.inputValue();
    expect(rotated).not.toBe(main.secret);
    expect((await svc.api('GET', `/v1/webhook-integrations/${main.id}/secret`)).body.secret).toBe(rotated);
    receiver.secrets.push(rotated);
    await visible(page.getByText('The previous secret keeps signing too until', { exact: false }));
    await page.getByRole('button', { name: 'Hide' }).click();
  });

  test('the audit log filters by action and links each event to its authorization event', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor();
    await page.getByLabel('Action').selectOption('grant.revoked');
    await visible(page.getByText('No grant.revoked events.'));
    await page.getByLabel('Action').selectOption('grant.requested');
    const row = page.locator('tr[data-event]');
    await count(row, 1);
    await visible(row.getByText('grant.requested'));
    await row.getByTestId('eval-link').click();
    await page.getByRole('heading', { level: 1, name: 'Authorization events' }).waitFor();
    await eventually(async () => expect(await text(page.getByTestId('decision'))).toMatch(/Allowed/));
    await visible(page.getByText('commonfate.access.v1alpha1.AccessService/BatchEnsure', { exact: false }));
    await visible(page.getByText('default_api_authorization_policy.policy0'));

    // By id, as pasted from a log or an audit event.
    const evalId = page.url().split('/').pop()!;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Authorization events' }).click();
    await page.getByLabel('Evaluation id').fill('eval_0000000000000000000000000000');
    await page.keyboard.press('Enter');
    await visible(page.getByRole('alert').getByText('No evaluation', { exact: false }));
    await page.getByLabel('Evaluation id').fill(evalId);
    await page.getByRole('button', { name: 'Inspect' }).click();
    await eventually(async () => expect(await text(page.getByTestId('decision'))).toMatch(/Allowed/));
  });

  test('shows a header value only when asked, one header at a time', async () => {
    await page.goto(`${svc.baseUrl}/ui/#/integrations/${seeded.siem}`);
    await page.getByRole('heading', { level: 1, name: 'Security data lake' }).waitFor();
    const value = page.getByTestId('header-value');
    await visible(value);
    expect(await text(value)).toBe('••••••••');
    expect(await page.content()).not.toContain('not-a-real-token');
    await page.getByRole('button', { name: 'Show the value of Authorization' }).click();
    expect(await text(value)).toBe('Bearer not-a-real-token');
    await page.getByRole('button', { name: 'Hide the value of Authorization' }).click();
    expect(await page.content()).not.toContain('not-a-real-token');
  });

  test('fits a small laptop screen without sideways scrolling', async () => {
    await page.setViewportSize({ width: 1024, height: 640 });
    await page.goto(`${svc.baseUrl}/ui/#/integrations/${main.id}`);
    await page.getByRole('heading', { level: 1, name: NAME }).waitFor();
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    // Every control on the busiest page (filters, actions, the recover form, pagers) has a name to be read out.
    await page.getByRole('button', { name: 'Send test event' }).waitFor();
    expect(await unnamedControls(page)).toEqual([]);
    await page.setViewportSize({ width: 1366, height: 900 });
  });

  test('signing out forgets the key', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key').waitFor();
    expect(await page.evaluate<string[]>('Object.keys(sessionStorage)')).toEqual([]);
    await page.reload();
    await visible(page.getByLabel('API key'));
  });
});

test('a read-only key sees what it may read and no action buttons', async () => {
  const page = await browser.newPage();
  await signIn(page, svc.readOnlyApiKey);
  await visible(page.getByText('read-only', { exact: true }));
  await count(page.locator('tbody tr[data-integration]'), 4);
  await page.getByRole('link', { name: NAME }).click();
  await page.getByRole('heading', { level: 1, name: NAME }).waitFor();
  await page.locator('tr[data-delivery]').first().waitFor();
  await page.locator('[data-chart="outcomes"] rect[data-outcome]').first().waitFor();
  await page.locator('tr[data-delivery] a').first().click();
  await page.locator('#delivery [data-attempt]').first().waitFor();
  expect(await page.getByRole('button', { name: ACTION_BUTTONS }).count()).toBe(0);
  expect(await page.getByRole('toolbar', { name: 'Integration actions' }).count()).toBe(0);
  await browser.screenshot(page, 'read-only');

  // Header values are secrets this key may not read: the API sends only the names, and the page says so.
  const api = await svc.api('GET', `/v1/webhook-integrations/${seeded.siem}`, undefined, svc.readOnlyApiKey);
  expect(api.body.headers).toEqual([{ key: 'Authorization', redacted: true }]);
  await page.goto(`${svc.baseUrl}/ui/#/integrations/${seeded.siem}`);
  await page.getByRole('heading', { level: 1, name: 'Security data lake' }).waitFor();
  const header = page.locator('#settings .headers li', { hasText: 'Authorization' });
  await visible(header.getByText('redacted'));
  expect(await header.getByRole('button').count()).toBe(0);
  expect(await page.getByTestId('header-value').count()).toBe(0);
  expect(await page.content()).not.toContain('not-a-real-token');
  await browser.screenshot(page, 'read-only-redacted');
  await page.close();
});
