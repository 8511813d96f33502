import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { PatientSummary } from "patient-monitor-ui-core";

/**
 * A real HTTP server speaking the two endpoints the live table uses
 * (`GET /v1/patients`, `GET /v1/events/risk`), with state the test controls.
 */
export interface ApiServer {
  readonly url: string;
  patients: PatientSummary[];
  listStatus: number;
  /** Status of GET /v1/events/risk; anything but 200 is answered as an error. */
  eventsStatus: number;
  readonly listCalls: () => number;
  readonly streams: ServerResponse[];
  emit(event: string, data: unknown): void;
  dropStreams(): void;
  close(): Promise<void>;
}

export async function startApiServer(initial: PatientSummary[]): Promise<ApiServer> {
  let listCalls = 0;
  const streams: ServerResponse[] = [];
  const state = { patients: initial, listStatus: 200, eventsStatus: 200 };
  const server = createServer((req, res) => {
    if (req.url === "/v1/patients") {
      listCalls += 1;
      if (state.listStatus !== 200) {
        res.writeHead(state.listStatus, { "content-type": "application/problem+json" });
        res.end(JSON.stringify({ title: "Storage unavailable", status: state.listStatus }));
        return;
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ patients: state.patients }));
      return;
    }
    if (req.url === "/v1/events/risk") {
      if (state.eventsStatus !== 200) {
        res.writeHead(state.eventsStatus).end();
        return;
      }
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      res.write(": open\n\n");
      streams.push(res);
      req.on("close", () => {
        const i = streams.indexOf(res);
        if (i >= 0) streams.splice(i, 1);
      });
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get patients() {
      return state.patients;
    },
    set patients(p) {
      state.patients = p;
    },
    get listStatus() {
      return state.listStatus;
    },
    set listStatus(s) {
      state.listStatus = s;
    },
    get eventsStatus() {
      return state.eventsStatus;
    },
    set eventsStatus(s) {
      state.eventsStatus = s;
    },
    listCalls: () => listCalls,
    streams,
    emit(event, data) {
      for (const s of streams) s.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    dropStreams() {
      for (const s of [...streams]) s.end();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
