import type { ServerResponse } from "node:http";
import { EventSource } from "eventsource";
import { afterEach, describe, expect, it } from "vitest";
import {
  backoffDelay,
  InvalidRiskEventError,
  parseRiskChangedEvent,
  subscribeToRiskEvents,
  type ConnectionState,
  type RiskChangedEvent,
  type RiskEventSubscription,
} from "../src/index";
import { startServer, type TestServer } from "./support/http";

const change = {
  patient_id: "pt-1001",
  level: "high",
  previous_level: "low",
  score: 8,
  assessed_at: "2026-11-28T09:08:00Z",
  packet_id: "pkt-low-spo2-0001",
};

function sse(res: ServerResponse): void {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  res.write(": hello\n\n");
}

function send(res: ServerResponse, event: string, data: string): void {
  res.write(`event: ${event}\ndata: ${data}\n\n`);
}

async function waitFor<T>(probe: () => T | undefined, what: string, ms = 5000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const fast = { initialMs: 20, maxMs: 100, factor: 2, jitter: 0 };
const createEventSource = (url: string) => new EventSource(url);

let server: TestServer | undefined;
let subscription: RiskEventSubscription | undefined;
afterEach(async () => {
  subscription?.close();
  subscription = undefined;
  await server?.close();
  server = undefined;
});

describe("parseRiskChangedEvent", () => {
  it("accepts a well-formed change, with or without a previous level", () => {
    expect(parseRiskChangedEvent(JSON.stringify(change))).toEqual(change);
    const first = parseRiskChangedEvent(JSON.stringify({ ...change, previous_level: null }));
    expect(first.previous_level).toBeNull();
  });

  it("names every bad field", () => {
    const raw = JSON.stringify({ ...change, level: "severe", score: "8", patient_id: "" });
    expect(() => parseRiskChangedEvent(raw)).toThrow(
      "invalid risk-changed event: patient_id must be a non-empty string; level must be one of low, medium, high; score must be a number",
    );
    expect(() => parseRiskChangedEvent("{oops")).toThrow(/risk-changed event is not JSON/);
    expect(() => parseRiskChangedEvent("[]")).toThrow(InvalidRiskEventError);
  });
});

describe("backoffDelay", () => {
  it("grows exponentially up to the cap, with bounded jitter", () => {
    const noJitter = { initialMs: 1000, maxMs: 8000, factor: 2, jitter: 0 };
    expect([1, 2, 3, 4, 5, 9].map((a) => backoffDelay(a, noJitter))).toEqual([
      1000, 2000, 4000, 8000, 8000, 8000,
    ]);
    const jittered = { initialMs: 1000, jitter: 0.2 };
    expect(backoffDelay(1, jittered, () => 0)).toBe(800);
    expect(backoffDelay(1, jittered, () => 1)).toBe(1200);
  });
});

describe("subscribeToRiskEvents over a real SSE stream", () => {
  it("delivers risk changes and reports bad payloads separately", async () => {
    const streams: ServerResponse[] = [];
    server = await startServer((_req, res) => {
      sse(res);
      streams.push(res);
    });
    const received: RiskChangedEvent[] = [];
    const invalid: InvalidRiskEventError[] = [];
    const opens: boolean[] = [];
    subscription = subscribeToRiskEvents({
      url: `${server.url}/v1/events/risk`,
      createEventSource,
      onRiskChanged: (e) => received.push(e),
      onInvalidEvent: (e) => invalid.push(e),
      onOpen: ({ reconnected }) => opens.push(reconnected),
    });
    expect(subscription.state).toBe("connecting");
    const stream = await waitFor(() => streams[0], "the stream to open");
    await waitFor(() => subscription?.state === "open", "state open");
    send(stream, "risk-changed", JSON.stringify(change));
    send(stream, "risk-changed", JSON.stringify({ ...change, level: "purple" }));
    send(stream, "something-else", JSON.stringify(change));
    send(stream, "risk-changed", JSON.stringify({ ...change, level: "medium", previous_level: "high" }));
    await waitFor(() => received.length === 2, "two valid events");
    expect(received.map((e) => e.level)).toEqual(["high", "medium"]);
    expect(invalid).toHaveLength(1);
    expect(invalid[0]?.raw).toContain("purple");
    expect(opens).toEqual([false]);
    expect(server.requests[0]?.url).toBe("/v1/events/risk");
    expect(server.requests[0]?.headers.accept).toBe("text/event-stream");
  });

  it("reconnects after the server drops the stream and after a 502, then says so", async () => {
    let connection = 0;
    server = await startServer((_req, res) => {
      connection += 1;
      if (connection === 1) {
        sse(res);
        setTimeout(() => res.end(), 30); // server closes the stream
      } else if (connection === 2) {
        res.writeHead(502, { "content-type": "text/html" }).end("bad gateway");
      } else {
        sse(res);
        send(res, "risk-changed", JSON.stringify(change));
      }
    });
    const states: ConnectionState[] = [];
    const retries: number[] = [];
    const opens: boolean[] = [];
    const received: RiskChangedEvent[] = [];
    subscription = subscribeToRiskEvents({
      url: `${server.url}/v1/events/risk`,
      createEventSource,
      backoff: fast,
      onRiskChanged: (e) => received.push(e),
      onOpen: ({ reconnected }) => opens.push(reconnected),
      onStateChange: (s, info) => {
        states.push(s);
        if (info.retryInMs !== undefined) retries.push(info.retryInMs);
      },
    });
    await waitFor(() => received.length === 1, "an event after reconnecting");
    expect(connection).toBe(3);
    expect(opens).toEqual([false, true]);
    expect(states).toEqual(["connecting", "open", "reconnecting", "reconnecting", "open"]);
    expect(retries).toEqual([20, 40]);
  });

  it("stops for good on close(), including a pending reconnect", async () => {
    let connection = 0;
    server = await startServer((_req, res) => {
      connection += 1;
      res.writeHead(503).end();
    });
    const states: ConnectionState[] = [];
    subscription = subscribeToRiskEvents({
      url: `${server.url}/v1/events/risk`,
      createEventSource,
      backoff: { initialMs: 50, jitter: 0 },
      onRiskChanged: () => undefined,
      onStateChange: (s) => states.push(s),
    });
    await waitFor(() => states.includes("reconnecting"), "a failed attempt");
    subscription.close();
    subscription.close();
    const seen = connection;
    await new Promise((r) => setTimeout(r, 200));
    expect(connection).toBe(seen);
    expect(subscription.state).toBe("closed");
    expect(states.filter((s) => s === "closed")).toHaveLength(1);
  });

  it("explains a missing EventSource instead of failing obscurely", () => {
    const scope = globalThis as { EventSource?: unknown };
    const saved = scope.EventSource;
    delete scope.EventSource;
    try {
      expect(() =>
        subscribeToRiskEvents({ url: "http://127.0.0.1:1/x", onRiskChanged: () => undefined }),
      ).toThrow("subscribeToRiskEvents: no EventSource in this environment; pass createEventSource");
    } finally {
      if (saved !== undefined) scope.EventSource = saved;
    }
  });
});
