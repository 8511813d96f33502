import { useCallback, useEffect, useState } from "react";
import { ApiError, type ApiClient, type Assessment, type PatientSummary } from "patient-monitor-ui-core";

export type PatientDetail =
  | { readonly status: "loading" }
  | { readonly status: "not-found" }
  | { readonly status: "error"; readonly error: Error }
  | {
      readonly status: "ready";
      readonly patient: PatientSummary;
      readonly assessments: readonly Assessment[];
      /** Set when a reload after a live change failed; the data shown is older. */
      readonly staleError: Error | null;
    };

export const HISTORY_LIMIT = 10;

/**
 * Loads a patient and their recent assessments; reloads whenever `version`
 * changes (the page passes the packet id of the latest live change) or on retry.
 * Mount it under a `key` of the patient id so another patient starts afresh.
 */
export function usePatientDetail(
  client: ApiClient,
  patientId: string,
  version: string,
): [PatientDetail, () => void] {
  const [state, setState] = useState<PatientDetail>({ status: "loading" });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    const { signal } = controller;
    Promise.all([
      client.getPatient(patientId, { signal }),
      client.listAssessments(patientId, { signal, limit: HISTORY_LIMIT }),
    ]).then(
      ([patient, assessments]) => {
        setState({ status: "ready", patient, assessments, staleError: null });
      },
      (e: unknown) => {
        if (signal.aborted) return;
        const error = e instanceof Error ? e : new Error(String(e));
        if (error instanceof ApiError && error.isNotFound) {
          setState({ status: "not-found" });
          return;
        }
        setState((previous) =>
          previous.status === "ready" ? { ...previous, staleError: error } : { status: "error", error },
        );
      },
    );
    return () => controller.abort();
  }, [client, patientId, version, attempt]);

  const retry = useCallback(() => setAttempt((a) => a + 1), []);
  return [state, retry];
}
