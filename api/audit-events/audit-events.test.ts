import { serviceForFile } from '../../test/support/http';

const ctx = serviceForFile();

const entitlement = { target: { type: 'AWS::Account', id: '123456789012' }, role: { type: 'AWS::IDC::PermissionSet', id: 'ReadOnly' } };

async function events(query: string): Promise<{ ids: string[]; next?: string }> {
  const res = await ctx.http.agent.get(`/v1/audit-events?${query}`).set(ctx.http.auth(ctx.service.readOnlyApiKey));
  expect(res.status).toBe(200);
  return { ids: res.body.items.map((e: { id: string }) => e.id), next: res.body.next_page_token };
}

test('newest first with order=desc, paged in that order; oldest first by default', async () => {
  for (const justification of ['one', 'two', 'three']) {
    const res = await ctx.http.agent.post('/v1/access-requests').set(ctx.http.auth()).send({ entitlement, justification, duration_seconds: 60 });
    expect(res.status).toBe(201);
  }
  const asc = await events('action=grant.requested');
  expect(asc.ids).toHaveLength(3);
  const first = await events('action=grant.requested&order=desc&page_size=2');
  expect(first.ids).toEqual([asc.ids[2], asc.ids[1]]);
  const second = await events(`action=grant.requested&order=desc&page_size=2&page_token=${first.next}`);
  expect(second).toEqual({ ids: [asc.ids[0]], next: undefined });

  const bad = await ctx.http.agent.get('/v1/audit-events?order=newest').set(ctx.http.auth());
  expect(bad.status).toBe(400);
  expect(bad.body.errors).toEqual([{ path: 'order', message: 'must be asc or desc' }]);
});
