/**
 * Live risk changes over Server-Sent Events (`GET /v1/events/risk`, event name
 * `risk-changed`), with our own reconnect loop: on any error the stream is
 * closed and reopened after an exponential, jittered back-off, so a proxy that
 * answers 502 (where the browser would give up) is retried too. Because events
 * sent while disconnected are lost, `onOpen` says whether this is a reconnect so
 * the caller can refetch what it shows.
 */
import { isRiskLevel, type RiskLevel } from "./risk";

export const RISK_CHANGED_EVENT = "risk-changed";

export interface RiskChangedEvent {
  readonly patient_id: string;
  readonly level: RiskLevel;
  readonly previous_level: RiskLevel | null;
  readonly score: number;
  readonly assessed_at: string;
  readonly packet_id: string;
}

/** Thrown (and reported through `onInvalidEvent`) for a payload that is not a risk change. */
export class InvalidRiskEventError extends Error {
  override readonly name = "InvalidRiskEventError";
  constructor(
    message: string,
    readonly raw: string,
  ) {
    super(message);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Parses and checks one `risk-changed` payload. */
export function parseRiskChangedEvent(raw: string): RiskChangedEvent {
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch (error) {
    throw new InvalidRiskEventError(
      `risk-changed event is not JSON (${(error as Error).message})`,
      raw,
    );
  }
  if (!isRecord(data)) {
    throw new InvalidRiskEventError("risk-changed event is not a JSON object", raw);
  }
  const problems: string[] = [];
  const str = (key: string): string => {
    const v = data[key];
    if (typeof v !== "string" || v === "") problems.push(`${key} must be a non-empty string`);
    return typeof v === "string" ? v : "";
  };
  const patient_id = str("patient_id");
  const assessed_at = str("assessed_at");
  const packet_id = str("packet_id");
  const level = data["level"];
  if (!isRiskLevel(level)) problems.push(`level must be one of low, medium, high`);
  const previous = data["previous_level"] ?? null;
  if (previous !== null && !isRiskLevel(previous)) {
    problems.push(`previous_level must be null or one of low, medium, high`);
  }
  const score = data["score"];
  if (typeof score !== "number" || !Number.isFinite(score)) problems.push("score must be a number");
  if (problems.length > 0 || !isRiskLevel(level) || typeof score !== "number") {
    throw new InvalidRiskEventError(`invalid risk-changed event: ${problems.join("; ")}`, raw);
  }
  return {
    patient_id,
    level,
    previous_level: isRiskLevel(previous) ? previous : null,
    score,
    assessed_at,
    packet_id,
  };
}

/** The part of the DOM `EventSource` this module uses. */
export interface EventSourceLike {
  readonly readyState: number;
  addEventListener(type: string, listener: (event: { data?: unknown }) => void): void;
  close(): void;
}

export type ConnectionState = "connecting" | "open" | "reconnecting" | "closed";

export interface BackoffOptions {
  /** First retry delay (ms). Default 1000. */
  readonly initialMs?: number;
  /** Upper bound (ms). Default 30000. */
  readonly maxMs?: number;
  /** Growth per failed attempt. Default 2. */
  readonly factor?: number;
  /** ± fraction of random spread. Default 0.2. */
  readonly jitter?: number;
}

export interface RiskEventSubscriptionOptions {
  /** Absolute or page-relative URL of the event stream. */
  readonly url: string;
  readonly onRiskChanged: (event: RiskChangedEvent) => void;
  /** Called on each successful (re)connection. */
  readonly onOpen?: (info: { readonly reconnected: boolean }) => void;
  readonly onStateChange?: (
    state: ConnectionState,
    info: { readonly attempt: number; readonly retryInMs?: number },
  ) => void;
  readonly onInvalidEvent?: (error: InvalidRiskEventError) => void;
  readonly backoff?: BackoffOptions;
  /** Defaults to `new EventSource(url)` from the global scope. */
  readonly createEventSource?: (url: string) => EventSourceLike;
  /** Source of randomness for jitter (tests pass a fixed one). */
  readonly random?: () => number;
}

export interface RiskEventSubscription {
  readonly state: ConnectionState;
  /** Stops the stream and any pending reconnect; idempotent. */
  close(): void;
}

/** Delay before reconnect attempt `attempt` (1-based). */
export function backoffDelay(attempt: number, options: BackoffOptions = {}, random = Math.random): number {
  const initial = options.initialMs ?? 1000;
  const max = options.maxMs ?? 30_000;
  const factor = options.factor ?? 2;
  const jitter = options.jitter ?? 0.2;
  const base = Math.min(max, initial * factor ** Math.max(0, attempt - 1));
  const spread = base * jitter * (random() * 2 - 1);
  return Math.max(0, Math.round(Math.min(max, base + spread)));
}

function defaultEventSource(url: string): EventSourceLike {
  const ctor = (globalThis as { EventSource?: new (url: string) => EventSourceLike }).EventSource;
  if (!ctor) {
    throw new Error(
      "subscribeToRiskEvents: no EventSource in this environment; pass createEventSource",
    );
  }
  return new ctor(url);
}

export function subscribeToRiskEvents(options: RiskEventSubscriptionOptions): RiskEventSubscription {
  const create = options.createEventSource ?? defaultEventSource;
  const random = options.random ?? Math.random;
  let state: ConnectionState = "connecting";
  let source: EventSourceLike | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let attempt = 0;
  let everOpened = false;

  const setState = (next: ConnectionState, retryInMs?: number): void => {
    state = next;
    options.onStateChange?.(
      next,
      retryInMs === undefined ? { attempt } : { attempt, retryInMs },
    );
  };

  const scheduleReconnect = (): void => {
    attempt += 1;
    const delay = backoffDelay(attempt, options.backoff, random);
    setState("reconnecting", delay);
    timer = setTimeout(() => {
      timer = null;
      connect();
    }, delay);
  };

  const connect = (): void => {
    if (state === "closed") return;
    let es: EventSourceLike;
    try {
      es = create(options.url);
    } catch (error) {
      if (attempt === 0 && !everOpened) throw error;
      scheduleReconnect();
      return;
    }
    source = es;
    es.addEventListener("open", () => {
      if (source !== es || state === "closed") return;
      const reconnected = everOpened;
      everOpened = true;
      attempt = 0;
      setState("open");
      options.onOpen?.({ reconnected });
    });
    es.addEventListener(RISK_CHANGED_EVENT, (event) => {
      if (source !== es || state === "closed") return;
      const raw = typeof event.data === "string" ? event.data : String(event.data);
      let parsed: RiskChangedEvent;
      try {
        parsed = parseRiskChangedEvent(raw);
      } catch (error) {
        if (error instanceof InvalidRiskEventError) {
          options.onInvalidEvent?.(error);
          return;
        }
        throw error;
      }
      options.onRiskChanged(parsed);
    });
    es.addEventListener("error", () => {
      if (source !== es || state === "closed") return;
      es.close();
      source = null;
      scheduleReconnect();
    });
  };

  setState("connecting");
  connect();

  return {
    get state() {
      return state;
    },
    close() {
      if (state === "closed") return;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      source?.close();
      source = null;
      setState("closed");
    },
  };
}
