import { readFileSync } from "node:fs";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import type { Assessment, PatientSummary } from "patient-monitor-ui-core";

const fixture = JSON.parse(
  readFileSync(resolve(__dirname, "../../../fixtures/low-spo2-trend.json"), "utf8"),
) as { samples: { offset_s: number; spo2?: number }[] };

/** An assessment shaped like the API's, built from the low-SpO2 fixture. */
export function highAssessment(patientId: string, overrides: Partial<Assessment> = {}): Assessment {
  return {
    assessment_id: `as-${patientId}-1`,
    packet_id: "pkt-low-spo2-0001",
    patient_id: patientId,
    score: 8,
    level: "high",
    reasons: [
      { code: "spo2_low", message: "Mean SpO2 91.2 % (92–93 %)", points: 2 },
      { code: "spo2_falling", message: "SpO2 falling 1.6 %/min", points: 3 },
      { code: "resp_rate", message: "Respiratory rate 22/min", points: 2 },
      { code: "temperature", message: "Temperature 37.9 °C", points: 1 },
    ],
    features: {
      spo2_mean: 91.2,
      spo2_min: 85,
      spo2_slope_per_min: -1.6,
      desaturation_events: 2,
      seconds_below_90: 170,
      heart_rate_mean: 98.4,
      sample_count: 233,
      rejected_samples: 1,
      gaps: 1,
    },
    assessed_at: "2026-11-28T09:08:00Z",
    spo2_series: fixture.samples.flatMap((s) =>
      s.spo2 === undefined || s.spo2 > 100 ? [] : [{ offset_s: s.offset_s, spo2: s.spo2 }],
    ),
    ...overrides,
  } as Assessment;
}

export interface AppApiServer {
  readonly url: string;
  patients: PatientSummary[];
  assessments: Map<string, Assessment[]>;
  failPatients: boolean;
  /** Every endpoint, the event stream included, answers 503. */
  down: boolean;
  emit(event: string, data: unknown): void;
  close(): Promise<void>;
}

/** A real HTTP server with the read endpoints the web app uses. */
export async function startAppApi(): Promise<AppApiServer> {
  const streams = new Set<ServerResponse>();
  const state = {
    patients: [] as PatientSummary[],
    assessments: new Map<string, Assessment[]>(),
    failPatients: false,
    down: false,
  };
  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": status < 400 ? "application/json" : "application/problem+json" });
    res.end(JSON.stringify(body));
  };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    if (state.down) return send(res, 503, { title: "API unavailable", status: 503 });
    if (url.pathname === "/v1/events/risk") {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(": open\n\n");
      streams.add(res);
      req.on("close", () => streams.delete(res));
      return;
    }
    if (url.pathname === "/v1/patients") {
      if (state.failPatients) return send(res, 503, { title: "Storage unavailable", status: 503 });
      return send(res, 200, { patients: state.patients });
    }
    if (parts[0] === "v1" && parts[1] === "patients" && parts[2]) {
      const patient = state.patients.find((p) => p.patient_id === parts[2]);
      if (!patient) return send(res, 404, { title: "Patient not found", status: 404 });
      if (parts.length === 3) return send(res, 200, patient);
      if (parts[3] === "assessments") {
        return send(res, 200, { assessments: state.assessments.get(patient.patient_id) ?? [] });
      }
    }
    send(res, 404, { title: "Not Found", status: 404 });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get patients() {
      return state.patients;
    },
    set patients(p) {
      state.patients = p;
    },
    get assessments() {
      return state.assessments;
    },
    set assessments(a) {
      state.assessments = a;
    },
    get failPatients() {
      return state.failPatients;
    },
    set failPatients(v) {
      state.failPatients = v;
    },
    get down() {
      return state.down;
    },
    set down(v) {
      state.down = v;
    },
    emit(event, data) {
      for (const s of streams) s.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
