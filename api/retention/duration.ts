/**
 * Durations as operators write them: a whole number followed by a unit, `s`, `m`, `h` or `d` (`90s`, `12h`,
 * `30d`), or several such parts in descending order (`1h30m`). Parsed into milliseconds.
 */
const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const ORDER = ['d', 'h', 'm', 's'];

/** Milliseconds of `text`, or undefined when it is not a positive duration in the form above. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^(\d+[dhms])+$/.test(trimmed)) return undefined;
  let total = 0;
  let last = -1;
  for (const [, n, unit] of trimmed.matchAll(/(\d+)([dhms])/g)) {
    const rank = ORDER.indexOf(unit);
    if (rank <= last) return undefined; // `30m1h`, `1h1h`: ambiguous, refused
    last = rank;
    total += Number(n) * UNITS[unit];
  }
  return total > 0 && Number.isSafeInteger(total) ? total : undefined;
}

/** The shortest exact spelling of `ms` (whole seconds), for logs and metrics help: 2592000000 -> `30d`. */
export function formatDuration(ms: number): string {
  let left = Math.round(ms / 1000);
  if (left === 0) return '0s';
  let out = '';
  for (const unit of ORDER) {
    const size = UNITS[unit] / 1000;
    if (left >= size) {
      out += `${Math.floor(left / size)}${unit}`;
      left %= size;
    }
  }
  return out;
}
