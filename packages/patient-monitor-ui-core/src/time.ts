/** Timestamps as the dashboard shows them. */

const UNITS: readonly [Intl.RelativeTimeFormatUnit, number][] = [
  ["day", 86_400],
  ["hour", 3_600],
  ["minute", 60],
];

/** "just now", "3 minutes ago", "in 2 hours"; "–" for a missing or invalid time. */
export function formatRelativeTime(
  iso: string | null | undefined,
  now: number = Date.now(),
  locale = "en",
): string {
  const at = iso ? Date.parse(iso) : Number.NaN;
  if (Number.isNaN(at)) return "–";
  const deltaS = Math.round((at - now) / 1000);
  if (Math.abs(deltaS) < 45) return "just now";
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: "auto" });
  for (const [unit, size] of UNITS) {
    if (Math.abs(deltaS) >= size || unit === "minute") {
      return rtf.format(Math.round(deltaS / size), unit);
    }
  }
  return rtf.format(deltaS, "second");
}

/** "28 Nov 2026, 09:14:05" in the given time zone (default: the viewer's). */
export function formatTimestamp(
  iso: string | null | undefined,
  options: { readonly locale?: string; readonly timeZone?: string } = {},
): string {
  const at = iso ? Date.parse(iso) : Number.NaN;
  if (Number.isNaN(at)) return "–";
  return new Intl.DateTimeFormat(options.locale ?? "en-GB", {
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hour12: false,
    ...(options.timeZone ? { timeZone: options.timeZone } : {}),
  }).format(at);
}
