import { createIntegration, Receiver, requestAccess, startDeliveryService, waitUntil, type DeliveryTestService } from './harness';

/**
 * Running the parts apart: a CF_ROLE=api process queues deliveries but never sends them; two CF_ROLE=worker
 * processes on the same database share the queue (SKIP LOCKED) without sending any event twice.
 */
test('api and worker roles apart; two workers cooperate without duplicates', async () => {
  const started: DeliveryTestService[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  // A slow receiver so the two workers' attempts overlap: 1 s per delivery until two have been in flight at once
  // (the first worker could otherwise send all 20 before a loaded machine has started the second), 40 ms after.
  const receiver = await new Receiver((_r, res) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    setTimeout(
      () => {
        inFlight--;
        res.writeHead(204).end();
      },
      maxInFlight < 2 ? 1000 : 40,
    );
  }).start();
  try {
    const api = await startDeliveryService({ env: { CF_ROLE: 'api' } });
    started.push(api);
    const { id } = await createIntegration(api, receiver);
    const EVENTS = 20;
    for (let i = 0; i < EVENTS; i++) await requestAccess(api);

    await new Promise((r) => setTimeout(r, 600));
    expect(receiver.received).toHaveLength(0); // the API process queues, it does not deliver

    // Each worker may run one attempt at a time to this destination: two at once proves both are working.
    const workerEnv = { CF_ROLE: 'worker', CF_WEBHOOK_CONCURRENCY_PER_DESTINATION: '1' };
    for (let i = 0; i < 2; i++) started.push(await startDeliveryService({ databaseUrl: api.service.databaseUrl, env: workerEnv }));

    await receiver.waitFor((all) => new Set(all.map((x) => x.id)).size >= EVENTS);
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.received).toHaveLength(EVENTS); // nothing sent twice
    expect(receiver.received.every((x) => x.verified && x.json.action === 'grant.requested')).toBe(true);
    expect(maxInFlight).toBe(2);

    const rows = await waitUntil(async () => {
      const { rows } = await api.service.db.pool.query<{ status: string; attempts: number }>(
        'SELECT status, attempts FROM deliveries WHERE integration_id = $1',
        [id],
      );
      return rows.every((row) => row.status === 'SUCCEEDED') && rows;
    });
    expect(rows).toHaveLength(EVENTS);
    expect(rows.every((row) => row.attempts === 1)).toBe(true);
  } finally {
    for (const svc of started.reverse()) await svc.stop();
    await receiver.stop();
  }
});
