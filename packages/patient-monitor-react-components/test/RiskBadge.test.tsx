import { render } from "@testing-library/react";
import { contrastRatio, RISK_PALETTE } from "patient-monitor-ui-core";
import { RiskBadge } from "../src/index";

function rgbToHex(rgb: string): string {
  const m = /rgb\((\d+), (\d+), (\d+)\)/.exec(rgb);
  if (!m) throw new Error(`not an rgb() colour: ${rgb}`);
  return `#${m.slice(1, 4).map((v) => Number(v).toString(16).padStart(2, "0")).join("")}`;
}

describe("RiskBadge", () => {
  it("reads as words, not only colour", () => {
    const { container } = render(<RiskBadge level="high" score={8} />);
    const badge = container.querySelector(".pm-badge") as HTMLElement;
    expect(badge.textContent).toBe("▲High risk, score · 8");
    // The glyph and the middle dot are hidden from assistive technology.
    const hidden = [...badge.querySelectorAll('[aria-hidden="true"]')].map((e) => e.textContent);
    expect(hidden).toEqual(["▲", "·"]);
    expect(badge.dataset.level).toBe("high");
  });

  it("uses the checked palette with AA contrast for every level", () => {
    for (const level of ["low", "medium", "high", null] as const) {
      const { container, unmount } = render(<RiskBadge level={level} />);
      const badge = container.querySelector(".pm-badge") as HTMLElement;
      const fg = rgbToHex(badge.style.color);
      const bg = rgbToHex(badge.style.backgroundColor);
      const palette = RISK_PALETTE[level ?? "none"];
      expect(fg).toBe(palette.foreground);
      expect(bg).toBe(palette.background);
      expect(contrastRatio(fg, bg)).toBeGreaterThanOrEqual(4.5);
      unmount();
    }
  });

  it("says No data without a level and omits a missing score", () => {
    const { container } = render(<RiskBadge level={null} score={null} />);
    expect(container.textContent).toBe("○No data");
    expect(container.querySelector(".pm-badge__score")).toBeNull();
  });
});
