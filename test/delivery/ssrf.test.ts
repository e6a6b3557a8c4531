import { SsrfPolicy, resolveVetted, AddressRefusedError } from '../../api/delivery/ssrf';
import { OutboundClient } from '../../api/delivery/outbound';
import { createIntegration, Receiver, startDeliveryService, type DeliveryTestService } from './harness';

/**
 * SSRF policy at connect time. Traffic in this file only ever goes to loopback: the private and metadata
 * addresses are asserted to be refused by the connector's check, before any socket is opened.
 */
describe('SSRF policy', () => {
  test('blocked ranges, IPv4-mapped IPv6 and the allow-list', () => {
    const closed = new SsrfPolicy([]);
    for (const a of ['127.0.0.1', '10.0.0.1', '172.16.5.4', '192.168.1.1', '100.64.0.1', '169.254.169.254', '0.0.0.0', '0.1.2.3', '255.255.255.255', '224.0.0.1', '::1', '::', 'fc00::1', 'fd12::1', 'fe80::1', 'ff02::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', '::ffff:169.254.169.254', '[::1]']) {
      expect([a, closed.refusal(a)]).toEqual([a, expect.any(String)]);
    }
    for (const a of ['93.184.216.34', '8.8.8.8', '2606:4700::1111', '::ffff:8.8.8.8', '172.32.0.1', '100.128.0.1']) {
      expect([a, closed.refusal(a)]).toEqual([a, undefined]);
    }
    const open = new SsrfPolicy(['127.0.0.0/8', '::1/128']);
    expect(open.refusal('127.0.0.1')).toBeUndefined();
    expect(open.refusal('::ffff:127.0.0.1')).toBeUndefined();
    expect(open.refusal('::1')).toBeUndefined();
    expect(open.refusal('10.0.0.1')).toBe('private network');
    expect(open.refusal('169.254.169.254')).toMatch(/metadata/);
    expect(() => new SsrfPolicy(['10.0.0.0/33'])).toThrow(/CF_WEBHOOK_ALLOWED_NETWORKS/);
    expect(() => new SsrfPolicy(['nonsense'])).toThrow(/CF_WEBHOOK_ALLOWED_NETWORKS/);
  });

  test('a name is checked on what it resolves to at connect time (DNS rebinding)', async () => {
    const lookups: string[] = [];
    let answer = '127.0.0.1';
    const resolver = async (host: string) => {
      lookups.push(host);
      return [{ address: answer, family: 4 }];
    };
    const policy = new SsrfPolicy(['127.0.0.0/8']);
    await expect(resolveVetted(policy, 'hooks.example.test', resolver)).resolves.toBe('127.0.0.1');
    answer = '169.254.169.254';
    await expect(resolveVetted(policy, 'hooks.example.test', resolver)).rejects.toBeInstanceOf(AddressRefusedError);
    expect(lookups).toEqual(['hooks.example.test', 'hooks.example.test']);

    // Through the client: the first connection goes to the loopback receiver; after the name "rebinds" to the
    // metadata address, a new connection is refused by the connector before it dials.
    const r = await new Receiver().start();
    const client = new OutboundClient({ policy, timeoutMs: 2000, connectionsPerDestination: 1, resolver });
    try {
      answer = '127.0.0.1';
      const ok = await client.post(`http://rebind.example.test:${r.port}/hook`, ['content-type', 'application/json'], '{}');
      expect(ok.statusCode).toBe(204);
      expect(r.received[0].headers.host).toBe(`rebind.example.test:${r.port}`);
      await client.close();
      const fresh = new OutboundClient({ policy, timeoutMs: 2000, connectionsPerDestination: 1, resolver });
      answer = '169.254.169.254';
      const refused = await fresh.post(`http://rebind.example.test:${r.port}/hook`, ['content-type', 'application/json'], '{}');
      expect(refused).toMatchObject({ statusCode: null, refused: true });
      expect(refused.error).toContain('169.254.169.254');
      expect(r.received).toHaveLength(1);
      await fresh.close();
    } finally {
      await r.stop();
    }
  });

  describe('through the API', () => {
    let closed: DeliveryTestService;
    let open: DeliveryTestService;
    let v4: Receiver;
    let v6: Receiver;
    beforeAll(async () => {
      closed = await startDeliveryService({ env: { CF_WEBHOOK_ALLOWED_NETWORKS: '' } });
      open = await startDeliveryService({ env: { CF_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8,::1/128' } });
      v4 = await new Receiver().start('127.0.0.1');
      v6 = await new Receiver().start('::1');
    });
    afterAll(async () => {
      await closed.stop();
      await open.stop();
      await v4.stop();
      await v6.stop();
    });

    const loopbackUrls = () => [
      `http://127.0.0.1:${v4.port}/hook`,
      `http://[::1]:${v6.port}/hook`,
      `http://[::ffff:127.0.0.1]:${v4.port}/hook`,
      `http://localhost:${v4.port}/hook`,
    ];

    test('without the allow-list, loopback, private and metadata destinations are refused and recorded', async () => {
      const urls = [...loopbackUrls(), 'http://10.0.0.1/hook', 'http://169.254.169.254/latest/meta-data/'];
      for (const url of urls) {
        const { id } = await createIntegration(closed, { url, secrets: [] });
        const res = await closed.api('POST', `/v1/webhook-integrations/${id}/test`);
        expect([url, res.body.delivered, res.body.attempt.status_code]).toEqual([url, false, null]);
        expect(res.body.attempt.error).toMatch(/^refused to connect to .* CF_WEBHOOK_ALLOWED_NETWORKS/);
        // Refused by the connector's check: no time was spent trying to reach the address.
        expect(res.body.attempt.duration_ms).toBeLessThan(500);
      }
      expect(v4.received).toHaveLength(0);
      expect(v6.received).toHaveLength(0);
    });

    test('queued deliveries record the refusal on their attempts', async () => {
      const { id } = await createIntegration(closed, { url: `http://127.0.0.1:${v4.port}/hook`, secrets: [] });
      await closed.api('POST', '/v1/access-requests', {
        entitlement: { target: { type: 'AWS::Account', id: '1' }, role: { type: 'Role', id: 'r' } },
        justification: 'x',
        duration_seconds: 60,
      });
      let attempts: Array<{ error: string }> = [];
      for (let i = 0; i < 100 && attempts.length === 0; i++) {
        const list = await closed.api('GET', `/v1/webhook-integrations/${id}/deliveries`);
        const d = list.body.items[0];
        if (d) attempts = (await closed.api('GET', `/v1/webhook-integrations/${id}/deliveries/${d.id}`)).body.attempts;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(attempts[0].error).toMatch(/refused to connect to 127\.0\.0\.1 \(loopback\)/);
      expect(v4.received).toHaveLength(0);
    });

    test('with the allow-list, the loopback destinations are delivered', async () => {
      for (const url of loopbackUrls()) {
        const target = url.includes('[::1]') ? v6 : v4;
        const { id } = await createIntegration(open, { url, secrets: target.secrets });
        const res = await open.api('POST', `/v1/webhook-integrations/${id}/test`);
        expect([url, res.body.delivered, res.body.attempt.status_code]).toEqual([url, true, 204]);
      }
      expect(v4.received).toHaveLength(3);
      expect(v6.received).toHaveLength(1);
      expect([...v4.received, ...v6.received].every((x) => x.verified)).toBe(true);
    });
  });
});
