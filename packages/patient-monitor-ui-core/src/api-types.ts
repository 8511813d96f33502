/**
 * Domain types, each taken from an operation of the generated contract types
 * (src/generated/openapi.ts) rather than written by hand, so a contract change
 * that breaks the client fails `tsc`.
 */
import type { components, paths } from "./generated/openapi";

type JsonBody<R> = R extends { content: { "application/json": infer T } } ? T : never;

type Operation<P extends keyof paths, M extends "get" | "post"> = NonNullable<paths[P][M]>;

type Responses<P extends keyof paths, M extends "get" | "post"> = Operation<P, M> extends {
  responses: infer R;
}
  ? R
  : never;

type OkBody<P extends keyof paths, M extends "get" | "post", S extends number> =
  S extends keyof Responses<P, M> ? JsonBody<Responses<P, M>[S]> : never;

type RequestJson<P extends keyof paths, M extends "post"> = Operation<P, M> extends {
  requestBody?: infer B;
}
  ? JsonBody<NonNullable<B>>
  : never;

export type PatientList = OkBody<"/v1/patients", "get", 200>;
export type PatientSummary = OkBody<"/v1/patients/{patient_id}", "get", 200>;
export type RiskSnapshot = OkBody<"/v1/patients/{patient_id}/risk", "get", 200>;
export type AssessmentList = OkBody<"/v1/patients/{patient_id}/assessments", "get", 200>;
export type Assessment = AssessmentList["assessments"][number];
export type Reason = Assessment["reasons"][number];
export type Features = Assessment["features"];
export type Spo2SeriesPoint = Assessment["spo2_series"][number];
export type SignalPacket = RequestJson<"/v1/signal-packets", "post">;
export type SignalPacketCreated = OkBody<"/v1/signal-packets", "post", 201>;

/** The `data:` of a `risk-changed` event as the contract describes it (see events.ts). */
export type RiskChangedEventSchema = components["schemas"]["RiskChangedEvent"];

/** An RFC 7807-style problem body as the API sends it for 4xx/5xx. */
export interface ProblemBody {
  readonly type?: string;
  readonly title?: string;
  readonly status?: number;
  readonly detail?: string;
  readonly errors?: readonly { readonly field: string; readonly message: string }[];
}
