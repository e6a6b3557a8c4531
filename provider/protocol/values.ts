/**
 * Terraform values in JS. A value is: null, UNKNOWN (not yet known at plan time), a string, number or
 * boolean, an array (lists and sets) or a plain object (objects). Kept free of the msgpack dependency so
 * resources can import it without loading the codec at start-up (./msgpack.ts does the wire form).
 */

/** The single marker for an unknown value. Compare with `isUnknown` or `===`. */
export const UNKNOWN: unique symbol = Symbol('unknown');
export type Unknown = typeof UNKNOWN;

export type Value = null | Unknown | string | number | boolean | Value[] | ObjectValue;
export interface ObjectValue {
  [attribute: string]: Value;
}

export function isUnknown(v: unknown): v is Unknown {
  return v === UNKNOWN;
}

/** True when the value and everything inside it is known (null counts as known). */
export function isWhollyKnown(v: Value): boolean {
  if (v === UNKNOWN) return false;
  if (Array.isArray(v)) return v.every(isWhollyKnown);
  if (v !== null && typeof v === 'object') return Object.values(v).every(isWhollyKnown);
  return true;
}

/** Structural equality of two values (arrays compare in order; callers sort sets before comparing). */
export function valuesEqual(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === UNKNOWN || b === UNKNOWN) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => valuesEqual(item, b[i]));
  }
  if (typeof a === 'object' && typeof b === 'object') {
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every((k) => k in b && valuesEqual(a[k], (b as ObjectValue)[k]));
  }
  return false;
}
