import { useEffect, useId, useRef, useState } from "react";
import {
  cleanSeries,
  describeTrend,
  downsampleMinMax,
  formatPercent,
  linearScale,
  niceTicks,
  SPO2_ALERT_THRESHOLD,
  spo2Domain,
  summarizeTrend,
  trendPath,
  type TrendPoint,
} from "patient-monitor-ui-core";

export interface Spo2TrendChartProps {
  readonly points: readonly TrendPoint[];
  /** Accessible name of the chart, e.g. "SpO2 trend for Mira Okafor". */
  readonly title: string;
  /** Reference line (percent). Default 90. */
  readonly threshold?: number;
  /** Width used before (or without) layout measurement. Default 640. */
  readonly width?: number;
  readonly height?: number;
  /** Break the line where samples are further apart than this (seconds). Default 30. */
  readonly maxGapS?: number;
  /** At most this many points are drawn (dips are kept). Default 240. */
  readonly maxPoints?: number;
}

const MARGIN = { top: 28, right: 16, bottom: 34, left: 44 } as const;

/** Tracks an element's content width with ResizeObserver where the platform has one. */
function useMeasuredWidth(fallback: number) {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(fallback);
  useEffect(() => {
    const el = ref.current;
    if (!el || typeof ResizeObserver === "undefined") return undefined;
    const observer = new ResizeObserver((entries) => {
      const w = entries[0]?.contentRect.width;
      if (w && w > 0) setWidth(Math.round(w));
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return [ref, width] as const;
}

function safeId(id: string): string {
  return id.replace(/[^A-Za-z0-9_-]/g, "");
}

/**
 * SpO2 over the time of one assessment: the line (red below the threshold),
 * a shaded band under the threshold, the lowest point marked, a text
 * description for screen readers and the samples as a table on request.
 */
export function Spo2TrendChart({
  points,
  title,
  threshold = SPO2_ALERT_THRESHOLD,
  width: initialWidth = 640,
  height = 240,
  maxGapS = 30,
  maxPoints = 240,
}: Spo2TrendChartProps) {
  const uid = safeId(useId());
  const [containerRef, measured] = useMeasuredWidth(initialWidth);
  const width = Math.max(240, measured);
  const series = cleanSeries(points);
  const summary = summarizeTrend(series);

  if (!summary) {
    return (
      <div className="pm-trend pm-trend--empty" ref={containerRef}>
        <p className="pm-empty">No SpO2 samples in this assessment.</p>
      </div>
    );
  }

  const drawn = downsampleMinMax(series, Math.max(2, maxPoints));
  const first = series[0]?.offset_s ?? 0;
  const last = series[series.length - 1]?.offset_s ?? first;
  const [yMin, yMax] = spo2Domain(series);
  const innerW = width - MARGIN.left - MARGIN.right;
  const innerH = height - MARGIN.top - MARGIN.bottom;
  const x = linearScale([first, last], [MARGIN.left, MARGIN.left + innerW]);
  const y = linearScale([yMin, yMax], [MARGIN.top + innerH, MARGIN.top]);
  const minutes = (last - first) / 60;
  const xTicks = niceTicks(0, minutes, width < 420 ? 3 : 6);
  const yTicks = niceTicks(yMin, yMax, innerH < 150 ? 3 : 4);
  const path = trendPath(drawn, x, y, maxGapS);
  const thresholdY = y(threshold);
  const showThreshold = threshold > yMin && threshold < yMax;
  const titleId = `${uid}-title`;
  const descId = `${uid}-desc`;
  const clipBelow = `${uid}-below`;
  const minX = x(summary.minAt.offset_s);
  const minY = y(summary.minAt.spo2);
  const tableRows = downsampleMinMax(series, 60);

  return (
    <figure className="pm-trend" ref={containerRef}>
      <svg
        className="pm-trend__svg"
        role="img"
        aria-labelledby={`${titleId} ${descId}`}
        width={width}
        height={height}
        viewBox={`0 0 ${width} ${height}`}
      >
        <title id={titleId}>{title}</title>
        <desc id={descId}>{describeTrend(series)}</desc>
        <defs>
          <clipPath id={clipBelow}>
            <rect x={0} y={thresholdY} width={width} height={Math.max(0, height - thresholdY)} />
          </clipPath>
        </defs>
        {showThreshold && (
          <rect
            className="pm-trend__danger-band"
            x={MARGIN.left}
            y={thresholdY}
            width={innerW}
            height={MARGIN.top + innerH - thresholdY}
          />
        )}
        <g className="pm-trend__grid" aria-hidden="true">
          {yTicks.map((t) => (
            <g key={`y${t}`}>
              <line x1={MARGIN.left} x2={MARGIN.left + innerW} y1={y(t)} y2={y(t)} />
              <text x={MARGIN.left - 8} y={y(t)} dy="0.32em" textAnchor="end">
                {t}
              </text>
            </g>
          ))}
          {xTicks.map((t) => (
            <text
              key={`x${t}`}
              x={x(first + t * 60)}
              y={MARGIN.top + innerH + 18}
              textAnchor={t === 0 ? "start" : "middle"}
            >
              {t}
            </text>
          ))}
          <text
            className="pm-trend__axis-label"
            x={MARGIN.left + innerW}
            y={height - 2}
            textAnchor="end"
          >
            minutes
          </text>
          <text className="pm-trend__axis-label" x={4} y={12}>
            SpO2 %
          </text>
        </g>
        {showThreshold && (
          <g className="pm-trend__threshold" aria-hidden="true">
            <line x1={MARGIN.left} x2={MARGIN.left + innerW} y1={thresholdY} y2={thresholdY} />
            <text x={MARGIN.left + 6} y={thresholdY - 5} textAnchor="start">
              {threshold} % threshold
            </text>
          </g>
        )}
        <path className="pm-trend__line" d={path} data-testid="spo2-line" />
        {showThreshold && (
          <path className="pm-trend__line pm-trend__line--below" d={path} clipPath={`url(#${clipBelow})`} />
        )}
        <g className="pm-trend__min" aria-hidden="true">
          <circle cx={minX} cy={minY} r={4} />
          <text
            x={minX}
            y={minY + 16 > MARGIN.top + innerH ? minY - 9 : minY + 16}
            textAnchor={minX > width - 80 ? "end" : minX < MARGIN.left + 40 ? "start" : "middle"}
          >
            min {formatPercent(summary.min)}
          </text>
        </g>
      </svg>
      <details className="pm-trend__data">
        <summary>Show SpO2 samples as a table</summary>
        <table className="pm-table pm-table--compact">
          <caption className="pm-visually-hidden">SpO2 samples</caption>
          <thead>
            <tr>
              <th scope="col">Time (min:s)</th>
              <th scope="col">SpO2</th>
            </tr>
          </thead>
          <tbody>
            {tableRows.map((p) => (
              <tr key={p.offset_s}>
                <td>{clock(p.offset_s - first)}</td>
                <td>{formatPercent(p.spo2)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}

function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}
