import { describe, expect, it } from "vitest";
import {
  compareByRisk,
  contrastRatio,
  describeRisk,
  describeRiskChange,
  formatScore,
  isRiskLevel,
  RISK_PALETTE,
  riskGlyph,
  riskLabel,
  riskRank,
} from "../src/index";

describe("risk levels", () => {
  it("recognises exactly the API's three levels", () => {
    expect(["low", "medium", "high"].every(isRiskLevel)).toBe(true);
    expect(isRiskLevel("HIGH")).toBe(false);
    expect(isRiskLevel("critical")).toBe(false);
    expect(isRiskLevel(null)).toBe(false);
  });

  it("ranks no-data below low and high above medium", () => {
    expect(riskRank(null)).toBeLessThan(riskRank("low"));
    expect(riskRank("low")).toBeLessThan(riskRank("medium"));
    expect(riskRank("medium")).toBeLessThan(riskRank("high"));
  });

  it("labels and glyphs differ per level so colour is never the only cue", () => {
    const labels = new Set([riskLabel("low"), riskLabel("medium"), riskLabel("high"), riskLabel(null)]);
    const glyphs = new Set([riskGlyph("low"), riskGlyph("medium"), riskGlyph("high"), riskGlyph(null)]);
    expect(labels.size).toBe(4);
    expect(glyphs.size).toBe(4);
    expect(riskLabel("high")).toBe("High");
  });

  it("describes a snapshot and the lack of one", () => {
    expect(describeRisk({ level: "high", score: 7 })).toBe("High risk, score 7");
    expect(describeRisk(null)).toBe("No assessment yet");
    expect(formatScore(6.6)).toBe("7");
    expect(formatScore(null)).toBe("–");
  });

  it("describes changes in both directions", () => {
    expect(describeRiskChange("Mira Okafor", "low", "high", 8)).toBe(
      "Mira Okafor: risk rose from Low to High (score 8)",
    );
    expect(describeRiskChange("Mira", "high", "medium", 4)).toBe(
      "Mira: risk fell from High to Medium (score 4)",
    );
    expect(describeRiskChange("Mira", null, "low", 0)).toBe("Mira: first assessment, Low (score 0)");
    expect(describeRiskChange("Mira", "low", "low", 1)).toBe("Mira: risk still Low (score 1)");
  });

  it("sorts patients worst first, then by score, recency and name", () => {
    const p = (id: string, level: "low" | "medium" | "high" | null, score = 0, at = "2026-11-28T09:00:00Z") => ({
      patient_id: id,
      display_name: id.toUpperCase(),
      latest: level === null ? null : { level, score, assessed_at: at },
    });
    const sorted = [
      p("a", "low", 1),
      p("b", null),
      p("c", "high", 7),
      p("d", "high", 9),
      p("e", "medium", 3),
      p("f", "high", 7, "2026-11-28T10:00:00Z"),
    ].sort(compareByRisk);
    expect(sorted.map((x) => x.patient_id)).toEqual(["d", "f", "c", "e", "a", "b"]);
  });
});

describe("contrast", () => {
  it("matches the WCAG reference values", () => {
    expect(contrastRatio("#000000", "#ffffff")).toBeCloseTo(21, 5);
    expect(contrastRatio("#ffffff", "#ffffff")).toBeCloseTo(1, 5);
    // #767676 on white is the classic "just passes AA" grey (4.54:1).
    expect(contrastRatio("#767676", "#ffffff")).toBeCloseTo(4.54, 2);
    expect(contrastRatio("#777777", "#ffffff")).toBeLessThan(4.5);
  });

  it("rejects colours it cannot read", () => {
    expect(() => contrastRatio("red", "#ffffff")).toThrow(/expected a colour like #1a2b3c/);
  });

  it("every badge colour pair meets WCAG AA for normal text (4.5:1)", () => {
    for (const [level, palette] of Object.entries(RISK_PALETTE)) {
      const ratio = contrastRatio(palette.foreground, palette.background);
      expect(ratio, `${level}: ${palette.foreground} on ${palette.background}`).toBeGreaterThanOrEqual(4.5);
      // Badge outlines are non-text UI parts: 3:1 against a white page (WCAG 1.4.11).
      expect(contrastRatio(palette.border, "#ffffff"), `${level} border`).toBeGreaterThanOrEqual(
        level === "none" ? 2 : 3,
      );
    }
  });
});
