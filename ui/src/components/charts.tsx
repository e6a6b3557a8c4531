import { formatClock, formatCount, formatMs } from '../lib/format';
import type { StatsBucket } from '../lib/types';

/**
 * Two small charts drawn as SVG by hand: a few dozen shapes need no charting library. The server has already
 * aggregated the minutes (GET …/delivery-stats); these only scale them. Each chart has a text summary for
 * screen readers and a table of the same numbers; series differ by pattern and line style, not colour alone.
 */

const W = 720;
const H = 190;
const PAD = { left: 48, right: 12, top: 12, bottom: 26 };
const PLOT_W = W - PAD.left - PAD.right;
const PLOT_H = H - PAD.top - PAD.bottom;

/** 1, 2 or 5 × a power of ten at or above `n` (axis tops people can read). */
function niceCeil(n: number): number {
  if (n <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(n));
  return [1, 2, 5, 10].map((m) => m * p).find((v) => v >= n)!;
}

function Axes({ buckets, max, unit }: { buckets: StatsBucket[]; max: number; unit: (n: number) => string }) {
  const ticks = [0, max / 2, max];
  const step = PLOT_W / buckets.length;
  const every = Math.max(1, Math.round(buckets.length / 6));
  return (
    <g class="axes" aria-hidden="true">
      {ticks.map((t) => {
        const y = PAD.top + PLOT_H - (t / max) * PLOT_H;
        return (
          <g key={t}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y} y2={y} class="grid" />
            <text x={PAD.left - 6} y={y + 4} text-anchor="end">
              {unit(t)}
            </text>
          </g>
        );
      })}
      {buckets.map((b, i) =>
        i % every === 0 ? (
          <text key={b.start} x={PAD.left + i * step + step / 2} y={H - 8} text-anchor="middle">
            {formatClock(b.start)}
          </text>
        ) : null
      )}
    </g>
  );
}

const OUTCOMES = [
  { key: 'succeeded', label: 'Succeeded (2xx)', cls: 'seg-ok' },
  { key: 'failed_status', label: 'Failed (other status)', cls: 'seg-warn' },
  { key: 'no_response', label: 'No response', cls: 'seg-bad' },
] as const;

/** Attempts per minute, stacked by outcome. */
export function OutcomeChart({ buckets }: { buckets: StatsBucket[] }) {
  const totals = buckets.map((b) => b.succeeded + b.failed_status + b.no_response);
  const max = niceCeil(Math.max(...totals, 1));
  const step = PLOT_W / buckets.length;
  const barW = Math.max(1, step * 0.72);
  const sum = (k: (typeof OUTCOMES)[number]['key']) => buckets.reduce((n, b) => n + b[k], 0);
  const summary = `${formatCount(totals.reduce((a, b) => a + b, 0))} attempts in ${buckets.length} minutes: ${OUTCOMES.map(
    (o) => `${formatCount(sum(o.key))} ${o.label.toLowerCase()}`
  ).join(', ')}.`;
  return (
    <figure class="chart" data-chart="outcomes">
      <figcaption>
        <span class="chart-title">Attempts per minute, by outcome</span>
        <Legend items={OUTCOMES.map((o) => ({ label: o.label, cls: o.cls, kind: 'box' }))} />
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={summary} preserveAspectRatio="xMidYMid meet">
        <defs>
          <pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
            <rect width="6" height="6" class="seg-warn" />
            <line x1="0" y1="0" x2="0" y2="6" class="hatch-line" />
          </pattern>
          <pattern id="dots" width="5" height="5" patternUnits="userSpaceOnUse">
            <rect width="5" height="5" class="seg-bad" />
            <circle cx="2.5" cy="2.5" r="1" class="dot-fill" />
          </pattern>
        </defs>
        <Axes buckets={buckets} max={max} unit={(n) => formatCount(n)} />
        {buckets.map((b, i) => {
          let y = PAD.top + PLOT_H;
          const x = PAD.left + i * step + (step - barW) / 2;
          const title = `${formatClock(b.start)}: ${b.succeeded} succeeded, ${b.failed_status} failed with a status, ${b.no_response} without response`;
          return (
            <g key={b.start} class="bar">
              <title>{title}</title>
              {OUTCOMES.map((o) => {
                const h = (b[o.key] / max) * PLOT_H;
                if (h <= 0) return null;
                y -= h;
                const fill = o.key === 'failed_status' ? 'url(#hatch)' : o.key === 'no_response' ? 'url(#dots)' : undefined;
                return <rect key={o.key} x={x} y={y} width={barW} height={h} class={o.cls} fill={fill} data-outcome={o.key} />;
              })}
            </g>
          );
        })}
      </svg>
      <DataTable buckets={buckets} />
    </figure>
  );
}

function linePath(buckets: StatsBucket[], value: (b: StatsBucket) => number | null, max: number): string {
  const step = PLOT_W / buckets.length;
  let d = '';
  let pen = false;
  buckets.forEach((b, i) => {
    const v = value(b);
    if (v === null) {
      pen = false;
      return;
    }
    const x = PAD.left + i * step + step / 2;
    const y = PAD.top + PLOT_H - (v / max) * PLOT_H;
    d += `${pen ? 'L' : 'M'}${x.toFixed(1)},${y.toFixed(1)}`;
    pen = true;
  });
  return d;
}

/** Attempt latency per minute: p50 solid, p99 dashed; minutes without attempts leave a gap. */
export function LatencyChart({ buckets }: { buckets: StatsBucket[] }) {
  const p99s = buckets.map((b) => b.latency_p99_ms).filter((v): v is number => v !== null);
  const max = niceCeil(Math.max(...p99s, 1));
  const step = PLOT_W / buckets.length;
  const series = [
    { label: 'p50', value: (b: StatsBucket) => b.latency_p50_ms, cls: 'line-p50' },
    { label: 'p99', value: (b: StatsBucket) => b.latency_p99_ms, cls: 'line-p99' },
  ];
  const summary =
    p99s.length === 0
      ? 'No attempts in this window.'
      : `Attempt latency per minute. Highest p99 ${formatMs(Math.max(...p99s))}; highest p50 ${formatMs(
          Math.max(...buckets.map((b) => b.latency_p50_ms ?? 0))
        )}.`;
  return (
    <figure class="chart" data-chart="latency">
      <figcaption>
        <span class="chart-title">Attempt latency</span>
        <Legend items={series.map((s) => ({ label: s.label, cls: s.cls, kind: 'line' }))} />
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={summary} preserveAspectRatio="xMidYMid meet">
        <Axes buckets={buckets} max={max} unit={(n) => formatMs(n)} />
        {series.map((s) => (
          <path key={s.label} d={linePath(buckets, s.value, max)} class={`line ${s.cls}`} data-series={s.label} />
        ))}
        {series.map((s) =>
          buckets.map((b, i) => {
            const v = s.value(b);
            if (v === null) return null;
            return (
              <circle
                key={`${s.label}${b.start}`}
                cx={PAD.left + i * step + step / 2}
                cy={PAD.top + PLOT_H - (v / max) * PLOT_H}
                r="2.5"
                class={`point ${s.cls}`}
              >
                <title>{`${formatClock(b.start)} ${s.label}: ${formatMs(v)}`}</title>
              </circle>
            );
          })
        )}
      </svg>
    </figure>
  );
}

function Legend({ items }: { items: Array<{ label: string; cls: string; kind: 'box' | 'line' }> }) {
  return (
    <ul class="legend">
      {items.map((i) => (
        <li key={i.label}>
          <svg width="22" height="12" aria-hidden="true" class="legend-key">
            {i.kind === 'box' ? (
              <rect width="12" height="12" class={i.cls} fill={i.cls === 'seg-warn' ? 'url(#hatch)' : i.cls === 'seg-bad' ? 'url(#dots)' : undefined} />
            ) : (
              <line x1="0" x2="22" y1="6" y2="6" class={`line ${i.cls}`} />
            )}
          </svg>
          {i.label}
        </li>
      ))}
    </ul>
  );
}

/** The same numbers as a table, for those who would rather read them (minutes with attempts only). */
function DataTable({ buckets }: { buckets: StatsBucket[] }) {
  const busy = buckets.filter((b) => b.succeeded + b.failed_status + b.no_response > 0);
  return (
    <details class="chart-data">
      <summary>Show the numbers ({busy.length} minutes with attempts)</summary>
      {busy.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Minute</th>
              <th scope="col">Succeeded</th>
              <th scope="col">Other status</th>
              <th scope="col">No response</th>
              <th scope="col">p50</th>
              <th scope="col">p99</th>
            </tr>
          </thead>
          <tbody>
            {busy.map((b) => (
              <tr key={b.start}>
                <td>{formatClock(b.start)}</td>
                <td>{b.succeeded}</td>
                <td>{b.failed_status}</td>
                <td>{b.no_response}</td>
                <td>{formatMs(b.latency_p50_ms)}</td>
                <td>{formatMs(b.latency_p99_ms)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </details>
  );
}
