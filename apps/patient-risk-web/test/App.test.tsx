import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router";
import { ApiClient, type PatientSummary } from "patient-monitor-ui-core";
import { App } from "../src/App";
import { highAssessment, startAppApi, type AppApiServer } from "./apiServer";

const mira: PatientSummary = {
  patient_id: "pt-1001",
  display_name: "Mira Okafor",
  ward: "Ward 7B",
  latest: { level: "low", score: 1, assessed_at: "2026-11-28T09:00:00Z", packet_id: "p0" },
};

let api: AppApiServer;
beforeEach(async () => {
  api = await startAppApi();
});
afterEach(async () => {
  await api.close();
});

function renderApp(path = "/") {
  return render(
    <MemoryRouter initialEntries={[path]}>
      <App client={new ApiClient({ baseUrl: api.url })} />
    </MemoryRouter>,
  );
}

describe("patient list", () => {
  it("says so when there are no patients yet", async () => {
    renderApp();
    expect(await screen.findByText("No patients yet")).toBeInTheDocument();
    expect(screen.getByRole("heading", { level: 1, name: "Patients" })).toBeInTheDocument();
    await waitFor(() => expect(screen.getByTestId("link-state")).toHaveTextContent("Live"));
    // The title is set in a passive effect, which may run after the heading is found.
    await waitFor(() => expect(document.title).toBe("Patients · Patient Risk Monitor"));
  });

  it("shows an error with a working retry", async () => {
    api.failPatients = true;
    renderApp();
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Could not load patients");
    expect(alert).toHaveTextContent("GET /v1/patients failed with 503 Storage unavailable");
    api.failPatients = false;
    api.patients = [mira];
    await userEvent.click(within(alert).getByRole("button", { name: "Try again" }));
    expect(await screen.findByRole("link", { name: "Mira Okafor" })).toBeInTheDocument();
  });

  it("turns a patient high on a live event, with counts and an announcement", async () => {
    api.patients = [mira];
    renderApp();
    const row = await screen.findByRole("row", { name: /Mira Okafor/ });
    expect(row).toHaveTextContent("Low");
    await waitFor(() => expect(screen.getByTestId("link-state")).toHaveTextContent("Live"));
    api.emit("risk-changed", {
      patient_id: "pt-1001",
      level: "high",
      previous_level: "low",
      score: 8,
      assessed_at: new Date().toISOString(),
      packet_id: "pkt-low-spo2-0001",
    });
    await waitFor(() =>
      expect(screen.getByRole("row", { name: /Mira Okafor/ })).toHaveTextContent(/High risk, score · 8/),
    );
    const tiles = screen.getByRole("list", { name: "Patients by risk level" });
    expect(within(tiles).getAllByRole("listitem").map((t) => t.textContent)).toEqual([
      "1High risk",
      "0Medium risk",
      "0Low risk",
      "0Not assessed",
    ]);
    expect(screen.getByText("Mira Okafor: risk rose from Low to High (score 8)")).toBeInTheDocument();
  });

  it("shows the offline banner when the browser goes offline", async () => {
    api.patients = [mira];
    renderApp();
    await screen.findByRole("row", { name: /Mira Okafor/ });
    const onLine = vi.spyOn(navigator, "onLine", "get").mockReturnValue(false);
    act(() => {
      window.dispatchEvent(new Event("offline"));
    });
    expect(screen.getByText("You are offline.")).toBeInTheDocument();
    expect(screen.getByTestId("link-state")).toHaveTextContent("Offline");
    // The last data stays on screen.
    expect(screen.getByRole("row", { name: /Mira Okafor/ })).toBeInTheDocument();
    onLine.mockRestore();
    act(() => {
      window.dispatchEvent(new Event("online"));
    });
    expect(screen.queryByText("You are offline.")).toBeNull();
  });
});

describe("patient page", () => {
  it("shows risk, trend, reasons and history, and follows live changes", async () => {
    api.patients = [{ ...mira, latest: { level: "high", score: 8, assessed_at: "2026-11-28T09:08:00Z", packet_id: "pkt-low-spo2-0001" } }];
    api.assessments.set("pt-1001", [highAssessment("pt-1001")]);
    renderApp("/patients/pt-1001");
    expect(await screen.findByRole("heading", { level: 1, name: "Mira Okafor" })).toBeInTheDocument();
    // The title is set in a passive effect, which may run after the heading is found.
    await waitFor(() => expect(document.title).toBe("Mira Okafor · Patient Risk Monitor"));
    expect(screen.getByRole("img", { name: /SpO2 trend for Mira Okafor/ })).toBeInTheDocument();
    const reasons = screen.getByRole("heading", { name: "Why this score" }).closest("section")!;
    const items = within(reasons).getAllByRole("listitem").map((li) => li.textContent);
    expect(items[0]).toBe("+3SpO2 falling 1.6 %/min");
    expect(items).toHaveLength(4);
    expect(within(reasons).getByText("8")).toBeInTheDocument();
    expect(screen.getByText("Time below 90 %").nextSibling).toHaveTextContent("3 min");

    await waitFor(() => expect(screen.getByTestId("link-state")).toHaveTextContent("Live"));
    api.assessments.set("pt-1001", [
      highAssessment("pt-1001", { assessment_id: "as-2", packet_id: "pkt-2", level: "medium", score: 5 }),
      highAssessment("pt-1001"),
    ]);
    api.emit("risk-changed", {
      patient_id: "pt-1001",
      level: "medium",
      previous_level: "high",
      score: 5,
      assessed_at: "2026-11-28T09:20:00Z",
      packet_id: "pkt-2",
    });
    expect(await screen.findByText("Risk changed from High to Medium.")).toBeInTheDocument();
    const history = screen.getByRole("table", { name: "Recent assessments, newest first" });
    expect(within(history).getAllByRole("row")).toHaveLength(3);
  });

  it("retries a failed load by itself when the API comes back", async () => {
    api.patients = [mira];
    api.assessments.set("pt-1001", [highAssessment("pt-1001")]);
    api.down = true;
    renderApp("/patients/pt-1001");
    expect(await screen.findByRole("alert")).toHaveTextContent("Could not load this patient");
    await waitFor(() =>
      expect(screen.getByText("Live updates interrupted.").parentElement).toHaveTextContent(
        "Live updates interrupted. Reconnecting automatically.",
      ),
    );
    api.down = false;
    expect(await screen.findByRole("heading", { level: 1, name: "Mira Okafor" }, { timeout: 5000 })).toBeInTheDocument();
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("says when a patient does not exist", async () => {
    renderApp("/patients/nobody");
    expect(await screen.findByRole("heading", { level: 1, name: "Patient not found" })).toBeInTheDocument();
    expect(screen.getByText("No patient with id nobody.")).toBeInTheDocument();
  });

  it("has an empty state before the first assessment", async () => {
    api.patients = [{ ...mira, latest: null }];
    renderApp("/patients/pt-1001");
    expect(await screen.findByText("No assessments yet")).toBeInTheDocument();
    expect(screen.getByText("Not assessed yet")).toBeInTheDocument();
  });
});

describe("routing", () => {
  it("has a not-found page", async () => {
    renderApp("/nope");
    expect(await screen.findByRole("heading", { level: 1, name: "Page not found" })).toBeInTheDocument();
  });
});
