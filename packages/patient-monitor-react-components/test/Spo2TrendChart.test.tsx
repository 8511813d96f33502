import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { Spo2TrendChart } from "../src/index";

const fixture = JSON.parse(
  readFileSync(resolve(__dirname, "../../../fixtures/low-spo2-trend.json"), "utf8"),
) as { samples: { offset_s: number; spo2?: number }[] };
const series = fixture.samples.flatMap((s) => (s.spo2 === undefined ? [] : [{ offset_s: s.offset_s, spo2: s.spo2 }]));

describe("Spo2TrendChart", () => {
  it("is an image with a name and a description of the trend", () => {
    render(<Spo2TrendChart points={series} title="SpO2 trend for Mira Okafor" />);
    const img = screen.getByRole("img");
    expect(img).toHaveAccessibleName(expect.stringContaining("SpO2 trend for Mira Okafor"));
    expect(img).toHaveAccessibleName(expect.stringMatching(/falling .*lowest \d+ %/));
  });

  it("draws the line inside the plot and the 90 % threshold where it belongs", () => {
    const { container } = render(
      <Spo2TrendChart points={series} title="t" width={640} height={240} />,
    );
    const d = screen.getByTestId("spo2-line").getAttribute("d") ?? "";
    expect(d.startsWith("M")).toBe(true);
    const coords = [...d.matchAll(/[ML](-?[\d.]+),(-?[\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(coords.length).toBeGreaterThan(10);
    for (const [x, y] of coords) {
      expect(x).toBeGreaterThanOrEqual(44);
      expect(x).toBeLessThanOrEqual(640 - 16);
      expect(y).toBeGreaterThanOrEqual(28);
      expect(y).toBeLessThanOrEqual(240 - 34);
    }
    // Domain for this fixture is [80, 100] over a 178 px plot starting at y=28: 90 % sits at 117.
    const threshold = container.querySelector(".pm-trend__threshold line");
    expect(threshold?.getAttribute("y1")).toBe("117");
    expect(container.querySelector(".pm-trend__threshold text")?.textContent).toBe("90 % threshold");
    const min = Math.min(...series.map((p) => p.spo2).filter((v) => v <= 100));
    expect(container.querySelector(".pm-trend__min text")?.textContent).toBe(`min ${min} %`);
  });

  it("offers the samples as a table", async () => {
    render(<Spo2TrendChart points={series} title="t" />);
    await userEvent.click(screen.getByText("Show SpO2 samples as a table"));
    const table = screen.getByRole("table", { name: "SpO2 samples" });
    const rows = within(table).getAllByRole("row");
    expect(rows.length).toBeGreaterThan(10);
    expect(rows.length).toBeLessThanOrEqual(61);
    expect(rows[1]).toHaveTextContent(/^0:0\d\d+ %$/);
    expect(table).not.toHaveTextContent("127 %");
  });

  it("says so when there is nothing to draw", () => {
    render(<Spo2TrendChart points={[]} title="t" />);
    expect(screen.queryByRole("img")).toBeNull();
    expect(screen.getByText("No SpO2 samples in this assessment.")).toBeInTheDocument();
  });
});
