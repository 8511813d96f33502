import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import {
  cleanSeries,
  describeTrend,
  downsampleMinMax,
  formatDuration,
  formatSlope,
  linearScale,
  linearSlopePerMinute,
  niceTicks,
  spo2Domain,
  summarizeTrend,
  trendPath,
  type TrendPoint,
} from "../src/index";

const fixture = JSON.parse(
  readFileSync(resolve(__dirname, "../../../fixtures/low-spo2-trend.json"), "utf8"),
) as { samples: { offset_s: number; spo2?: number }[] };
const fixtureSeries: TrendPoint[] = fixture.samples.flatMap((s) =>
  s.spo2 === undefined ? [] : [{ offset_s: s.offset_s, spo2: s.spo2 }],
);

describe("slope and summary", () => {
  it("finds the exact slope of a straight line", () => {
    const line = Array.from({ length: 11 }, (_, i) => ({ offset_s: i * 30, spo2: 98 - i * 0.5 }));
    // -0.5 % every 30 s = -1 %/min
    expect(linearSlopePerMinute(line)).toBeCloseTo(-1, 10);
  });

  it("is zero for a single point or a single instant", () => {
    expect(linearSlopePerMinute([{ offset_s: 0, spo2: 97 }])).toBe(0);
    expect(
      linearSlopePerMinute([
        { offset_s: 5, spo2: 97 },
        { offset_s: 5, spo2: 90 },
      ]),
    ).toBe(0);
  });

  it("summarises unordered input and skips non-finite values", () => {
    const s = summarizeTrend([
      { offset_s: 60, spo2: 92 },
      { offset_s: 0, spo2: 97 },
      { offset_s: 30, spo2: Number.NaN },
      { offset_s: 120, spo2: 88 },
      { offset_s: 90, spo2: 127 },
    ]);
    expect(s).not.toBeNull();
    expect(s?.count).toBe(3);
    expect(s?.first).toBe(97);
    expect(s?.last).toBe(88);
    expect(s?.min).toBe(88);
    expect(s?.minAt.offset_s).toBe(120);
    expect(s?.max).toBe(97);
    expect(s?.mean).toBeCloseTo((97 + 92 + 88) / 3, 10);
    expect(s?.durationS).toBe(120);
    expect(summarizeTrend([])).toBeNull();
  });

  it("sees the fixture's desaturation: falling, ending below 90 %", () => {
    const s = summarizeTrend(fixtureSeries);
    expect(s).not.toBeNull();
    expect(s!.slopePerMin).toBeLessThan(-0.5);
    expect(s!.min).toBeLessThan(90);
    expect(s!.first).toBeGreaterThanOrEqual(95);
    // The fixture's 127 % "no reading" sentinel is not data.
    expect(s!.max).toBeLessThanOrEqual(100);
    expect(describeTrend(fixtureSeries)).toMatch(/^SpO2 over \d+ min: from \d+ % to \d+ %, falling \(−\d+\.\d %\/min\), lowest \d+ %\.$/);
  });
});

describe("downsampling", () => {
  it("keeps short dips that plain decimation would drop", () => {
    const series = Array.from({ length: 1000 }, (_, i) => ({ offset_s: i, spo2: 97 }));
    series[503] = { offset_s: 503, spo2: 81 };
    const reduced = downsampleMinMax(series, 50);
    expect(reduced.length).toBeLessThanOrEqual(50);
    expect(Math.min(...reduced.map((p) => p.spo2))).toBe(81);
    const times = reduced.map((p) => p.offset_s);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it("returns short series unchanged (cleaned) and rejects a silly limit", () => {
    const s = [
      { offset_s: 2, spo2: 95 },
      { offset_s: 1, spo2: 96 },
    ];
    expect(downsampleMinMax(s, 10)).toEqual(cleanSeries(s));
    expect(() => downsampleMinMax(s, 1)).toThrow(RangeError);
  });
});

describe("axes and paths", () => {
  it("produces round ticks", () => {
    expect(niceTicks(80, 100, 4)).toEqual([80, 85, 90, 95, 100]);
    expect(niceTicks(0, 600, 5)).toEqual([0, 200, 400, 600]);
    expect(niceTicks(0, 1, 4)).toEqual([0, 0.5, 1]);
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(3, 3)).toEqual([3]);
  });

  it("widens the SpO2 domain to fit deep desaturations", () => {
    expect(spo2Domain([{ offset_s: 0, spo2: 97 }])).toEqual([80, 100]);
    expect(spo2Domain([{ offset_s: 0, spo2: 72 }])).toEqual([70, 100]);
  });

  it("maps linearly, including inverted ranges", () => {
    const y = linearScale([80, 100], [200, 0]);
    expect(y(80)).toBe(200);
    expect(y(100)).toBe(0);
    expect(y(90)).toBe(100);
    expect(linearScale([5, 5], [0, 10])(123)).toBe(5);
  });

  it("breaks the line across gaps", () => {
    const x = linearScale([0, 100], [0, 100]);
    const y = linearScale([0, 100], [100, 0]);
    const pts = [
      { offset_s: 0, spo2: 90 },
      { offset_s: 10, spo2: 91 },
      { offset_s: 60, spo2: 92 },
    ];
    expect(trendPath(pts, x, y)).toBe("M0,10 L10,9 L60,8");
    expect(trendPath(pts, x, y, 30)).toBe("M0,10 L10,9 M60,8");
    expect(trendPath([], x, y)).toBe("");
  });

  it("formats durations and slopes", () => {
    expect(formatDuration(42)).toBe("42 s");
    expect(formatDuration(470)).toBe("8 min");
    expect(formatDuration(4800)).toBe("1 h 20 min");
    expect(formatDuration(-1)).toBe("–");
    expect(formatSlope(-1.26)).toBe("−1.3 %/min");
    expect(formatSlope(0.04)).toBe("0.0 %/min");
    expect(formatSlope(0.5)).toBe("+0.5 %/min");
  });
});
