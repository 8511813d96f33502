import { render, screen, within } from "@testing-library/react";
import type { PatientSummary, RiskChangedEvent } from "patient-monitor-ui-core";
import { PatientTable, type RecentChange } from "../src/index";

const now = Date.parse("2026-11-28T12:00:00Z");

const patients: PatientSummary[] = [
  {
    patient_id: "pt-2",
    display_name: "Jonas Berg",
    ward: "Ward 3",
    latest: { level: "low", score: 1, assessed_at: "2026-11-28T11:58:00Z", packet_id: "a" },
  },
  { patient_id: "pt-3", display_name: null, ward: null, latest: null },
  {
    patient_id: "pt-1",
    display_name: "Mira Okafor",
    ward: "Ward 7B",
    latest: { level: "high", score: 8, assessed_at: "2026-11-28T11:59:50Z", packet_id: "b" },
  },
];

describe("PatientTable", () => {
  it("is a named table with a row header per patient, worst first", () => {
    render(<PatientTable patients={patients} caption="Patients on the unit" now={now} />);
    const table = screen.getByRole("table", { name: "Patients on the unit" });
    const headers = within(table).getAllByRole("columnheader").map((h) => h.textContent);
    expect(headers).toEqual(["Patient", "Risk", "Last assessed"]);
    const rowHeaders = within(table).getAllByRole("rowheader").map((h) => h.textContent);
    expect(rowHeaders).toEqual(["Mira OkaforWard 7B · pt-1", "Jonas BergWard 3 · pt-2", "pt-3pt-3"]);
  });

  it("shows level, score and how long ago", () => {
    render(<PatientTable patients={patients} caption="Patients" now={now} />);
    const mira = screen.getByRole("row", { name: /Mira Okafor/ });
    expect(within(mira).getByText("High")).toBeInTheDocument();
    expect(mira).toHaveTextContent("High risk, score · 8");
    expect(within(mira).getByText("just now").tagName).toBe("TIME");
    const jonas = screen.getByRole("row", { name: /Jonas Berg/ });
    expect(jonas).toHaveTextContent("2 minutes ago");
    const unknown = screen.getByRole("row", { name: /pt-3/ });
    expect(unknown).toHaveTextContent("No data");
    expect(unknown).toHaveTextContent("Not yet");
  });

  it("marks a recent change and says what the level was", () => {
    const event: RiskChangedEvent = {
      patient_id: "pt-1",
      level: "high",
      previous_level: "low",
      score: 8,
      assessed_at: "2026-11-28T11:59:50Z",
      packet_id: "b",
    };
    const changes = new Map<string, RecentChange>([["pt-1", { event, receivedAt: now - 1000 }]]);
    const { rerender } = render(
      <PatientTable patients={patients} caption="Patients" now={now} changes={changes} />,
    );
    const row = screen.getByRole("row", { name: /Mira Okafor/ });
    expect(row).toHaveClass("pm-patients__row--changed");
    expect(row).toHaveTextContent("was Low risk");
    rerender(
      <PatientTable patients={patients} caption="Patients" now={now + 60_000} changes={changes} />,
    );
    expect(screen.getByRole("row", { name: /Mira Okafor/ })).not.toHaveClass("pm-patients__row--changed");
  });

  it("lets the app render names as links", () => {
    render(
      <PatientTable
        patients={patients}
        caption="Patients"
        now={now}
        renderName={(p, name) => <a href={`/patients/${p.patient_id}`}>{name}</a>}
      />,
    );
    expect(screen.getByRole("link", { name: "Mira Okafor" })).toHaveAttribute("href", "/patients/pt-1");
    expect(screen.getAllByRole("link")).toHaveLength(3);
  });
});
