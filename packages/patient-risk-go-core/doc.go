// Package patientriskcore is the shared Go core of the patient-risk product.
//
// It has no code of its own; it is the table of contents of three small
// packages, each with one idea:
//
//   - risk: the risk levels (low < medium < high), their parsing and ordering,
//     and the score thresholds that map an early-warning score to a level.
//   - api: the JSON types of the patient-risk HTTP API, kept in step with
//     contracts/openapi.yaml by a test that fails when the two drift.
//   - client: a small HTTP client for that API with per-attempt timeouts,
//     retries with capped exponential backoff (honouring Retry-After) and
//     context cancellation.
package patientriskcore
