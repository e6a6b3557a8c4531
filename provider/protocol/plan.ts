/**
 * Generic planning from the schema's declarations, so resources don't each re-implement Terraform's rules:
 *
 * - On create, computed attributes the configuration leaves unset are UNKNOWN ("known after apply"), or
 *   their `default` when they have one. Terraform sends them as null in the proposed state; leaving them
 *   null makes dependants fail at plan and apply report "inconsistent result".
 * - On update, an unset optional+computed attribute with a default goes back to that default (removing
 *   `send_audit_log_events = true` from the configuration turns it off again rather than keeping the old
 *   value). Computed-only attributes keep their prior value when marked `useStateForUnknown` or when
 *   nothing else changes, and otherwise become UNKNOWN.
 * - Attributes marked `requiresReplace` that change are reported so Terraform plans destroy-then-create.
 */
import type { AttributePath } from './diagnostics';
import type { BlockSchema } from './schema';
import { UNKNOWN, valuesEqual, type ObjectValue } from './values';

export interface PlannedChange {
  planned: ObjectValue;
  requiresReplace: AttributePath[];
}

export function planResourceChange(
  schema: BlockSchema,
  prior: ObjectValue | null,
  proposed: ObjectValue,
  config: ObjectValue,
): PlannedChange {
  const planned: ObjectValue = { ...proposed };
  const deferredComputed: string[] = [];

  for (const [name, attr] of Object.entries(schema.attributes)) {
    if (!attr.computed || config[name] !== null) continue;
    if (attr.default !== undefined) planned[name] = attr.default;
    else if (prior === null) planned[name] = UNKNOWN;
    else if (attr.useStateForUnknown) planned[name] = prior[name];
    else deferredComputed.push(name);
  }

  const requiresReplace: AttributePath[] = [];
  if (prior !== null) {
    let changed = false;
    for (const name of Object.keys(schema.attributes)) {
      if (deferredComputed.includes(name)) continue;
      if (!valuesEqual(planned[name], prior[name])) {
        changed = true;
        if (schema.attributes[name].requiresReplace) requiresReplace.push([name]);
      }
    }
    // Computed values the API may recompute on any change are unknown only when something changes, so an
    // unchanged resource plans as "no changes".
    for (const name of deferredComputed) planned[name] = changed ? UNKNOWN : prior[name];
  }
  return { planned, requiresReplace };
}
