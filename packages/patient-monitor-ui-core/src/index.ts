/**
 * patient-monitor-ui-core: everything the patient-risk screens need that is not React.
 *
 * - `client`: typed API client (types generated from contracts/openapi.yaml)
 * - `events`: live `risk-changed` subscription over SSE with reconnect
 * - `risk`: levels, ordering, labels, accessible sentences, checked colour palette
 * - `trend`: SpO2 series statistics, downsampling, scales and SVG paths
 * - `time`: relative and absolute timestamps
 */
export * from "./api-types";
export * from "./client";
export * from "./events";
export * from "./risk";
export * from "./time";
export * from "./trend";
export type { components, paths } from "./generated/openapi";
