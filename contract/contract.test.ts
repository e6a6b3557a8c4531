import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AUDIT_ACTIONS, AUDIT_ACTION_DESCRIPTIONS, ID_PREFIXES, idPattern, isAuditAction, isId } from '.';

test('the contract imports nothing from outside its folder and no packages', () => {
  for (const file of readdirSync(__dirname).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
    const source = readFileSync(join(__dirname, file), 'utf8');
    const specifiers = [...source.matchAll(/(?:import|export)[^'"]*from\s+'([^']+)'/g)].map((m) => m[1]);
    for (const s of specifiers) expect(`${file}: ${s}`).toMatch(/: \.\/[a-z-]+$/);
  }
});

test('fifteen audit actions, each described once', () => {
  expect(AUDIT_ACTIONS).toHaveLength(15);
  expect(new Set(AUDIT_ACTIONS).size).toBe(15);
  expect(Object.keys(AUDIT_ACTION_DESCRIPTIONS)).toEqual([...AUDIT_ACTIONS]);
  for (const a of ['grant.breakglass_activated', 'grant.force_closed', 'proxy.session.started', 'proxy.session.ended']) {
    expect(isAuditAction(a)).toBe(true);
  }
  expect(isAuditAction('grant.exploded')).toBe(false);
});

test('id patterns agree with isId for every kind', () => {
  for (const kind of Object.keys(ID_PREFIXES) as Array<keyof typeof ID_PREFIXES>) {
    const good = `${ID_PREFIXES[kind]}_2f0ChzJvrOOqchMhRmJieErz9Bl`;
    expect(isId(kind, good)).toBe(true);
    expect(new RegExp(idPattern(kind)).test(good)).toBe(true);
    expect(isId(kind, `${good}x`)).toBe(false);
    expect(new RegExp(idPattern(kind)).test(`x${good}`)).toBe(false);
  }
});
