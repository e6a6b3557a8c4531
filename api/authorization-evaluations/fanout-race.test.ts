import { Client } from 'pg';
import { serviceForFile } from '../../test/support/http';

/**
 * An integration deleted while an authorization event fans out to it must not fail the event's write (and with
 * it every API call in the same batch): the fan-out skips the deleted integration.
 */
const ctx = serviceForFile();

test('a delete committed during the fan-out is skipped, and the API call still succeeds', async () => {
  const created = await ctx.http.agent
    .post('/v1/webhook-integrations')
    .set(ctx.http.auth())
    .send({ name: 'going away', url: 'https://example.com/hook', send_authorization_events: true });
  expect(created.status).toBe(201);
  const id = created.body.id as string;

  // Another session deletes the integration and holds its transaction open while an API call is recorded.
  const other = new Client({ connectionString: ctx.service.databaseUrl });
  await other.connect();
  try {
    await other.query('BEGIN');
    await other.query('DELETE FROM webhook_integrations WHERE id = $1', [id]);
    const call = ctx.http.agent.get('/v1/webhook-integrations').set(ctx.http.auth());
    const pending = call.then((res) => res);
    await new Promise((r) => setTimeout(r, 300));
    await other.query('COMMIT');
    const res = await pending;
    expect(res.status).toBe(200);
    const evaluation = res.headers['cf-authorization-evaluation'];
    const { rows } = await ctx.service.db.pool.query('SELECT integration_id FROM deliveries WHERE event_id = $1', [evaluation]);
    expect(rows).toEqual([]);
  } finally {
    await other.end();
  }
});
