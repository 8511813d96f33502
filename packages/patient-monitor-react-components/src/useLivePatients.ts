import { useCallback, useEffect, useRef, useState } from "react";
import {
  describeRiskChange,
  type ApiClient,
  type BackoffOptions,
  type ConnectionState,
  type EventSourceLike,
  type PatientSummary,
  type RiskChangedEvent,
} from "patient-monitor-ui-core";
import { useRiskEvents } from "./useRiskEvents";

export type LoadStatus = "loading" | "ready" | "error";

export interface RecentChange {
  readonly event: RiskChangedEvent;
  /** When the browser received it (ms since epoch). */
  readonly receivedAt: number;
}

export interface LivePatients {
  readonly patients: readonly PatientSummary[];
  readonly status: LoadStatus;
  /** The last load failure, kept while stale data is still shown. */
  readonly error: Error | null;
  readonly connection: ConnectionState;
  /** Patients whose risk changed while this view was open, by id. */
  readonly changes: ReadonlyMap<string, RecentChange>;
  /** A sentence describing the latest change, for a live region. */
  readonly announcement: string;
  /** How often the event stream came back after a drop (events may have been missed each time). */
  readonly reconnects: number;
  readonly refresh: () => void;
}

export interface UseLivePatientsOptions {
  readonly createEventSource?: (url: string) => EventSourceLike;
  readonly backoff?: BackoffOptions;
  readonly now?: () => number;
}

function applyChange(patients: readonly PatientSummary[], event: RiskChangedEvent): PatientSummary[] | null {
  let found = false;
  const next = patients.map((p) => {
    if (p.patient_id !== event.patient_id) return p;
    found = true;
    return {
      ...p,
      latest: {
        level: event.level,
        score: event.score,
        assessed_at: event.assessed_at,
        packet_id: event.packet_id,
      },
    };
  });
  return found ? next : null;
}

/**
 * The patient list kept current: loads `GET /v1/patients`, applies each
 * `risk-changed` event in place, reloads when an event names a patient it does
 * not know yet, after the event stream reconnects (events may have been
 * missed) and when the stream opens after a failed first load, and keeps
 * showing the last good list when a reload fails.
 */
export function useLivePatients(client: ApiClient, options: UseLivePatientsOptions = {}): LivePatients {
  const [patients, setPatients] = useState<readonly PatientSummary[]>([]);
  const [status, setStatus] = useState<LoadStatus>("loading");
  const [error, setError] = useState<Error | null>(null);
  const [changes, setChanges] = useState<ReadonlyMap<string, RecentChange>>(new Map());
  const [announcement, setAnnouncement] = useState("");
  const [generation, setGeneration] = useState(0);
  const [reconnects, setReconnects] = useState(0);
  const statusRef = useRef(status);
  const patientsRef = useRef(patients);
  useEffect(() => {
    patientsRef.current = patients;
    statusRef.current = status;
  }, [patients, status]);
  const now = options.now ?? Date.now;

  const refresh = useCallback(() => setGeneration((g) => g + 1), []);

  useEffect(() => {
    const controller = new AbortController();
    client
      .listPatients({ signal: controller.signal })
      .then((list) => {
        setPatients(list);
        setStatus("ready");
        setError(null);
      })
      .catch((e: unknown) => {
        if (controller.signal.aborted) return;
        setError(e instanceof Error ? e : new Error(String(e)));
        setStatus((s) => (s === "ready" ? "ready" : "error"));
      });
    return () => controller.abort();
  }, [client, generation]);

  const connection = useRiskEvents(client.riskEventsUrl, {
    ...(options.createEventSource ? { createEventSource: options.createEventSource } : {}),
    ...(options.backoff ? { backoff: options.backoff } : {}),
    onRiskChanged: (event) => {
      const current = patientsRef.current;
      const known = current.find((p) => p.patient_id === event.patient_id);
      const updated = applyChange(current, event);
      if (updated) {
        patientsRef.current = updated;
        setPatients(updated);
      } else {
        refresh();
      }
      setChanges((m) => new Map(m).set(event.patient_id, { event, receivedAt: now() }));
      const name = known?.display_name || event.patient_id;
      setAnnouncement(describeRiskChange(name, event.previous_level, event.level, event.score));
    },
    onOpen: ({ reconnected }) => {
      // After a drop events may have been missed; after a failed first load the
      // stream opening is the sign the API is back. Either way: reload.
      if (reconnected) setReconnects((n) => n + 1);
      if (reconnected || statusRef.current === "error") refresh();
    },
  });

  return { patients, status, error, connection, changes, announcement, reconnects, refresh };
}
