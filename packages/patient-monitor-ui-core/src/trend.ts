/**
 * SpO2 trend helpers: summary statistics, a least-squares slope, a
 * dip-preserving downsampler, axis ticks and SVG path building. Pure functions
 * over `{offset_s, spo2}` points as the API's `spo2_series` carries them.
 */

export interface TrendPoint {
  /** Seconds since the packet's `started_at`. */
  readonly offset_s: number;
  /** Oxygen saturation in percent. */
  readonly spo2: number;
}

/** SpO2 below this (percent) is hypoxaemia for the chart's reference line. */
export const SPO2_ALERT_THRESHOLD = 90;

export interface TrendSummary {
  readonly count: number;
  readonly first: number;
  readonly last: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  /** Percentage points per minute (least squares); 0 for fewer than two distinct times. */
  readonly slopePerMin: number;
  /** Seconds from the first to the last point. */
  readonly durationS: number;
  /** The point where the minimum was reached first. */
  readonly minAt: TrendPoint;
}

/**
 * Keeps plausible points only (finite, 0–100 %: oximeters send sentinels such
 * as 127 for "no reading") and orders them by time.
 */
export function cleanSeries(points: readonly TrendPoint[]): TrendPoint[] {
  return points
    .filter((p) => Number.isFinite(p.offset_s) && Number.isFinite(p.spo2) && p.spo2 >= 0 && p.spo2 <= 100)
    .slice()
    .sort((a, b) => a.offset_s - b.offset_s);
}

export function linearSlopePerMinute(points: readonly TrendPoint[]): number {
  const n = points.length;
  if (n < 2) return 0;
  let sx = 0;
  let sy = 0;
  for (const p of points) {
    sx += p.offset_s;
    sy += p.spo2;
  }
  const mx = sx / n;
  const my = sy / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    const dx = p.offset_s - mx;
    num += dx * (p.spo2 - my);
    den += dx * dx;
  }
  return den === 0 ? 0 : (num / den) * 60;
}

/** Summary of a series, or `null` when it has no usable point. */
export function summarizeTrend(points: readonly TrendPoint[]): TrendSummary | null {
  const series = cleanSeries(points);
  const head = series[0];
  const tail = series[series.length - 1];
  if (!head || !tail) return null;
  let min = head;
  let max = head.spo2;
  let sum = 0;
  for (const p of series) {
    if (p.spo2 < min.spo2) min = p;
    if (p.spo2 > max) max = p.spo2;
    sum += p.spo2;
  }
  return {
    count: series.length,
    first: head.spo2,
    last: tail.spo2,
    min: min.spo2,
    max,
    mean: sum / series.length,
    slopePerMin: linearSlopePerMinute(series),
    durationS: tail.offset_s - head.offset_s,
    minAt: min,
  };
}

/**
 * Reduces a series to at most `maxPoints` by keeping, per time bucket, its
 * lowest and highest point in time order, so short desaturations survive.
 */
export function downsampleMinMax(points: readonly TrendPoint[], maxPoints: number): TrendPoint[] {
  if (!Number.isInteger(maxPoints) || maxPoints < 2) {
    throw new RangeError(`downsampleMinMax: maxPoints must be an integer >= 2, got ${maxPoints}`);
  }
  const series = cleanSeries(points);
  if (series.length <= maxPoints) return series;
  const buckets = Math.floor(maxPoints / 2);
  const size = series.length / buckets;
  const out: TrendPoint[] = [];
  for (let b = 0; b < buckets; b += 1) {
    const start = Math.floor(b * size);
    const end = Math.min(series.length, Math.floor((b + 1) * size));
    let lo: TrendPoint | undefined;
    let hi: TrendPoint | undefined;
    for (let i = start; i < end; i += 1) {
      const p = series[i];
      if (!p) continue;
      if (!lo || p.spo2 < lo.spo2) lo = p;
      if (!hi || p.spo2 > hi.spo2) hi = p;
    }
    if (!lo || !hi) continue;
    if (lo === hi) out.push(lo);
    else if (lo.offset_s <= hi.offset_s) out.push(lo, hi);
    else out.push(hi, lo);
  }
  return out;
}

/** About `count` round tick values covering [min, max] (steps of 1, 2 or 5 × 10^k). */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max) || count < 1) return [];
  if (min === max) return [min];
  const [lo, hi] = min < max ? [min, max] : [max, min];
  const raw = (hi - lo) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const residual = raw / magnitude;
  const step = (residual > 5 ? 10 : residual > 2 ? 5 : residual > 1 ? 2 : 1) * magnitude;
  const ticks: number[] = [];
  const first = Math.ceil(lo / step) * step;
  for (let v = first; v <= hi + step * 1e-9; v += step) {
    ticks.push(Number(v.toFixed(10)));
  }
  return ticks;
}

export type Scale = (value: number) => number;

/** Linear map from `domain` onto `range`; a zero-width domain maps to the range's middle. */
export function linearScale(
  domain: readonly [number, number],
  range: readonly [number, number],
): Scale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  if (d0 === d1) {
    const mid = (r0 + r1) / 2;
    return () => mid;
  }
  const k = (r1 - r0) / (d1 - d0);
  return (value) => r0 + (value - d0) * k;
}

/**
 * The SpO2 axis domain: at least 80–100 %, widened to show every point,
 * padded to whole multiples of 5.
 */
export function spo2Domain(points: readonly TrendPoint[]): [number, number] {
  let lo = 85;
  let hi = 100;
  for (const p of points) {
    if (p.spo2 < lo) lo = p.spo2;
    if (p.spo2 > hi) hi = p.spo2;
  }
  return [Math.floor((lo - 1) / 5) * 5, Math.ceil(hi / 5) * 5];
}

/**
 * An SVG path through the points; the line breaks (a new `M`) wherever two
 * neighbours are more than `maxGapS` seconds apart, so missing data shows.
 */
export function trendPath(
  points: readonly TrendPoint[],
  x: Scale,
  y: Scale,
  maxGapS = Number.POSITIVE_INFINITY,
): string {
  let d = "";
  let previous: TrendPoint | undefined;
  for (const p of points) {
    const cmd = !previous || p.offset_s - previous.offset_s > maxGapS ? "M" : "L";
    d += `${d ? " " : ""}${cmd}${round2(x(p.offset_s))},${round2(y(p.spo2))}`;
    previous = p;
  }
  return d;
}

function round2(v: number): string {
  return String(Math.round(v * 100) / 100);
}

/** "45 s", "3 min", "1 h 20 min" for a duration in seconds. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "–";
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}

/** "+0.4 %/min", "−1.2 %/min", "0.0 %/min". */
export function formatSlope(perMin: number): string {
  if (!Number.isFinite(perMin)) return "–";
  const v = Math.round(perMin * 10) / 10;
  const sign = v > 0 ? "+" : v < 0 ? "−" : "";
  return `${sign}${Math.abs(v).toFixed(1)} %/min`;
}

/** A one-sentence description of a trend for assistive technology. */
export function describeTrend(points: readonly TrendPoint[]): string {
  const s = summarizeTrend(points);
  if (!s) return "No SpO2 samples in this assessment.";
  const direction =
    Math.abs(s.slopePerMin) < 0.05 ? "steady" : s.slopePerMin < 0 ? "falling" : "rising";
  return (
    `SpO2 over ${formatDuration(s.durationS)}: from ${formatPercent(s.first)} to ` +
    `${formatPercent(s.last)}, ${direction} (${formatSlope(s.slopePerMin)}), ` +
    `lowest ${formatPercent(s.min)}.`
  );
}

export function formatPercent(value: number | null | undefined, digits = 0): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  return `${value.toFixed(digits)} %`;
}
