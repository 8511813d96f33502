/**
 * Risk levels as the API reports them, and everything a screen needs to show one:
 * ordering, labels, sentences for screen readers, and a colour palette whose
 * contrast is checked (WCAG 2.x AA, 4.5:1 for text) by the package's tests.
 */

export const RISK_LEVELS = ["low", "medium", "high"] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

/** `null` stands for "no assessment yet". */
export type RiskLevelOrNone = RiskLevel | null;

export function isRiskLevel(value: unknown): value is RiskLevel {
  return typeof value === "string" && (RISK_LEVELS as readonly string[]).includes(value);
}

/** Higher is worse; a patient without an assessment sorts below "low". */
export function riskRank(level: RiskLevelOrNone): number {
  return level === null ? -1 : RISK_LEVELS.indexOf(level);
}

const LABELS: Record<RiskLevel, string> = { low: "Low", medium: "Medium", high: "High" };

export function riskLabel(level: RiskLevelOrNone): string {
  return level === null ? "No data" : LABELS[level];
}

/** Short glyph shown beside the label so the level never depends on colour alone. */
export function riskGlyph(level: RiskLevelOrNone): string {
  switch (level) {
    case "high":
      return "▲";
    case "medium":
      return "◆";
    case "low":
      return "●";
    case null:
      return "○";
  }
}

export interface RiskPalette {
  /** Text colour. */
  readonly foreground: string;
  /** Fill behind the text. */
  readonly background: string;
  /** Outline, also used for chart accents. */
  readonly border: string;
}

/** Colours for each level; `none` is used when there is no assessment yet. */
export const RISK_PALETTE: Readonly<Record<RiskLevel | "none", RiskPalette>> = {
  high: { foreground: "#ffffff", background: "#b42318", border: "#912018" },
  medium: { foreground: "#7a2e0e", background: "#fef0c7", border: "#dc6803" },
  low: { foreground: "#05603a", background: "#dcfae6", border: "#079455" },
  none: { foreground: "#344054", background: "#f2f4f7", border: "#98a2b3" },
};

export function riskPalette(level: RiskLevelOrNone): RiskPalette {
  return RISK_PALETTE[level ?? "none"];
}

export function formatScore(score: number | null | undefined): string {
  if (score === null || score === undefined || !Number.isFinite(score)) {
    return "–";
  }
  return String(Math.round(score));
}

export interface RiskLike {
  readonly level: RiskLevel;
  readonly score: number;
}

/** "High risk, score 7" / "No assessment yet": the sentence a screen reader hears. */
export function describeRisk(risk: RiskLike | null | undefined): string {
  if (!risk) {
    return "No assessment yet";
  }
  return `${riskLabel(risk.level)} risk, score ${formatScore(risk.score)}`;
}

/** Announcement for a live change, e.g. "Ada Lovelace: risk rose from Low to High (score 7)". */
export function describeRiskChange(
  who: string,
  previous: RiskLevelOrNone,
  next: RiskLevel,
  score: number,
): string {
  const to = `${riskLabel(next)} (score ${formatScore(score)})`;
  if (previous === null) {
    return `${who}: first assessment, ${to}`;
  }
  const delta = riskRank(next) - riskRank(previous);
  if (delta === 0) {
    return `${who}: risk still ${to}`;
  }
  const verb = delta > 0 ? "rose" : "fell";
  return `${who}: risk ${verb} from ${riskLabel(previous)} to ${to}`;
}

/**
 * Sorts worst first: level, then score, then the most recent assessment,
 * then name so the order is stable.
 */
export function compareByRisk<
  T extends {
    readonly display_name?: string | null;
    readonly patient_id: string;
    readonly latest?: (RiskLike & { readonly assessed_at?: string }) | null;
  },
>(a: T, b: T): number {
  const rank = riskRank(b.latest?.level ?? null) - riskRank(a.latest?.level ?? null);
  if (rank !== 0) return rank;
  const score = (b.latest?.score ?? -1) - (a.latest?.score ?? -1);
  if (score !== 0) return score;
  const at = Date.parse(b.latest?.assessed_at ?? "") || 0;
  const at2 = Date.parse(a.latest?.assessed_at ?? "") || 0;
  if (at !== at2) return at - at2;
  const name = (a.display_name || a.patient_id).localeCompare(b.display_name || b.patient_id);
  return name !== 0 ? name : a.patient_id.localeCompare(b.patient_id);
}

function channel(value: number): number {
  const c = value / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

/** Relative luminance of a `#rrggbb` colour (WCAG 2.x definition). */
export function relativeLuminance(hex: string): number {
  const match = /^#([0-9a-f]{6})$/i.exec(hex);
  if (!match?.[1]) {
    throw new Error(`relativeLuminance: expected a colour like #1a2b3c, got ${JSON.stringify(hex)}`);
  }
  const n = Number.parseInt(match[1], 16);
  const r = channel((n >> 16) & 0xff);
  const g = channel((n >> 8) & 0xff);
  const b = channel(n & 0xff);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG contrast ratio between two `#rrggbb` colours, from 1 to 21. */
export function contrastRatio(a: string, b: string): number {
  const la = relativeLuminance(a);
  const lb = relativeLuminance(b);
  const [hi, lo] = la > lb ? [la, lb] : [lb, la];
  return (hi + 0.05) / (lo + 0.05);
}
