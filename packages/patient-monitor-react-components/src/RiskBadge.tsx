import {
  formatScore,
  riskGlyph,
  riskLabel,
  riskPalette,
  type RiskLevelOrNone,
} from "patient-monitor-ui-core";
import { VisuallyHidden } from "./VisuallyHidden";

export interface RiskBadgeProps {
  /** `null` shows "No data". */
  readonly level: RiskLevelOrNone;
  /** Shown after the label when given. */
  readonly score?: number | null;
  readonly size?: "small" | "large";
}

/**
 * A risk level as a pill: glyph + word (never colour alone), colours from the
 * contrast-checked palette, and "risk" / "score" spelled out for screen readers.
 */
export function RiskBadge({ level, score, size = "small" }: RiskBadgeProps) {
  const palette = riskPalette(level);
  const hasScore = score !== null && score !== undefined;
  return (
    <span
      className={`pm-badge pm-badge--${size}`}
      data-level={level ?? "none"}
      style={{
        color: palette.foreground,
        backgroundColor: palette.background,
        borderColor: palette.border,
      }}
    >
      <span className="pm-badge__glyph" aria-hidden="true">
        {riskGlyph(level)}
      </span>
      <span className="pm-badge__label">
        {riskLabel(level)}
        {level !== null && <VisuallyHidden> risk</VisuallyHidden>}
      </span>
      {hasScore && (
        <span className="pm-badge__score">
          <VisuallyHidden>, score </VisuallyHidden>
          <span aria-hidden="true">·</span> {formatScore(score)}
        </span>
      )}
    </span>
  );
}
