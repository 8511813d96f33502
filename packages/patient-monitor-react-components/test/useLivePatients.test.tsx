import { render, screen, waitFor, within } from "@testing-library/react";
import { EventSource } from "eventsource";
import { ApiClient, type PatientSummary } from "patient-monitor-ui-core";
import { LiveRegion, PatientTable, useLivePatients, useNow } from "../src/index";
import { startApiServer, type ApiServer } from "./support/fakeApiServer";

const createEventSource = (url: string) => new EventSource(url);
const backoff = { initialMs: 20, maxMs: 50, jitter: 0 };

const mira: PatientSummary = {
  patient_id: "pt-1001",
  display_name: "Mira Okafor",
  ward: "Ward 7B",
  latest: { level: "low", score: 1, assessed_at: "2026-11-28T09:00:00Z", packet_id: "p0" },
};
const tomas: PatientSummary = {
  patient_id: "pt-1002",
  display_name: "Tomas Lindqvist",
  ward: "Ward 7B",
  latest: { level: "low", score: 0, assessed_at: "2026-11-28T09:00:00Z", packet_id: "p1" },
};

function Live({ client }: { client: ApiClient }) {
  const live = useLivePatients(client, { createEventSource, backoff });
  return (
    <main>
      <p data-testid="status">
        {live.status}/{live.connection}
      </p>
      <p data-testid="reconnects">{live.reconnects}</p>
      {live.error && <p role="alert">{live.error.message}</p>}
      <PatientTable patients={live.patients} caption="Patients" changes={live.changes} now={useNow()} />
      <LiveRegion message={live.announcement} />
    </main>
  );
}

let api: ApiServer | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

describe("useLivePatients with a real API server", () => {
  it("loads, then applies a risk change without reloading the list", async () => {
    api = await startApiServer([mira, tomas]);
    render(<Live client={new ApiClient({ baseUrl: api.url })} />);
    await waitFor(() => expect(screen.getByTestId("status")).toHaveTextContent("ready/open"));
    expect(screen.getByRole("row", { name: /Mira Okafor/ })).toHaveTextContent("Low");
    const callsBefore = api.listCalls();

    api.emit("risk-changed", {
      patient_id: "pt-1001",
      level: "high",
      previous_level: "low",
      score: 8,
      assessed_at: "2026-11-28T09:08:00Z",
      packet_id: "pkt-low-spo2-0001",
    });

    await waitFor(() =>
      expect(within(screen.getByRole("row", { name: /Mira Okafor/ })).getByText("High")).toBeInTheDocument(),
    );
    const rows = screen.getAllByRole("rowheader").map((r) => r.textContent);
    expect(rows[0]).toMatch(/^Mira Okafor/);
    expect(screen.getByRole("row", { name: /Mira Okafor/ })).toHaveTextContent("was Low risk");
    expect(screen.getByRole("status")).toHaveTextContent("Mira Okafor: risk rose from Low to High (score 8)");
    expect(api.listCalls()).toBe(callsBefore);
  });

  it("reloads for a patient it has not seen and after the stream reconnects", async () => {
    api = await startApiServer([mira]);
    render(<Live client={new ApiClient({ baseUrl: api.url })} />);
    await waitFor(() => expect(screen.getByTestId("status")).toHaveTextContent("ready/open"));
    expect(api.listCalls()).toBe(1);

    api.patients = [mira, { ...tomas, latest: { ...tomas.latest!, level: "medium", score: 3 } }];
    api.emit("risk-changed", {
      patient_id: "pt-1002",
      level: "medium",
      previous_level: null,
      score: 3,
      assessed_at: "2026-11-28T09:05:00Z",
      packet_id: "p9",
    });
    await waitFor(() => expect(screen.getByRole("row", { name: /Tomas Lindqvist/ })).toHaveTextContent("Medium"));
    expect(api.listCalls()).toBe(2);

    api.patients = [{ ...mira, latest: { ...mira.latest!, level: "high", score: 9 } }, api.patients[1]!];
    api.dropStreams();
    await waitFor(() => expect(api!.listCalls()).toBe(3));
    await waitFor(() => expect(screen.getByRole("row", { name: /Mira Okafor/ })).toHaveTextContent("High"));
    expect(screen.getByTestId("status")).toHaveTextContent("ready/open");
    expect(screen.getByTestId("reconnects")).toHaveTextContent("1");
  });

  it("reloads by itself once the stream opens after a failed first load", async () => {
    api = await startApiServer([mira]);
    api.listStatus = 503;
    api.eventsStatus = 503;
    render(<Live client={new ApiClient({ baseUrl: api.url })} />);
    await waitFor(() => expect(screen.getByTestId("status")).toHaveTextContent("error/reconnecting"));
    const failedCalls = api.listCalls();
    api.listStatus = 200;
    api.eventsStatus = 200;
    await waitFor(() => expect(screen.getByTestId("status")).toHaveTextContent("ready/open"));
    expect(screen.getByRole("row", { name: /Mira Okafor/ })).toBeInTheDocument();
    expect(api.listCalls()).toBe(failedCalls + 1);
    expect(screen.getByTestId("reconnects")).toHaveTextContent("0");
  });

  it("reports a failed first load as an error", async () => {
    api = await startApiServer([]);
    api.listStatus = 503;
    render(<Live client={new ApiClient({ baseUrl: api.url })} />);
    await waitFor(() => expect(screen.getByTestId("status")).toHaveTextContent(/^error\//));
    expect(screen.getByRole("alert")).toHaveTextContent(
      "GET /v1/patients failed with 503 Storage unavailable",
    );
  });
});
