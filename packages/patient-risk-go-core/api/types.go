// Package api holds the JSON types of the patient-risk HTTP API.
//
// The source of truth is contracts/openapi.yaml; contract_test.go walks that
// file and fails when a field name, type, enum or required-ness here drifts
// from it. Field names are snake_case as on the wire.
package api

import (
	"time"

	"github.com/tirosh-chain/guide/packages/patient-risk-go-core/risk"
)

// SignalPacket is one upload of device samples for a patient
// (POST /v1/signal-packets). Resending the same PacketID with the same
// content is idempotent.
type SignalPacket struct {
	PacketID             string       `json:"packet_id"`
	PatientID            string       `json:"patient_id"`
	DeviceID             string       `json:"device_id"`
	Patient              *PatientInfo `json:"patient,omitempty"`
	StartedAt            time.Time    `json:"started_at"`
	Samples              []Sample     `json:"samples"`
	RespiratoryRate      *float64     `json:"respiratory_rate,omitempty"`
	TemperatureC         *float64     `json:"temperature_c,omitempty"`
	SystolicBP           *float64     `json:"systolic_bp,omitempty"`
	Consciousness        string       `json:"consciousness,omitempty"`
	OnSupplementalOxygen *bool        `json:"on_supplemental_oxygen,omitempty"`
}

// PatientInfo is optional demographic context sent with a packet.
type PatientInfo struct {
	DisplayName string `json:"display_name,omitempty"`
	Ward        string `json:"ward,omitempty"`
}

// Sample is one reading, OffsetS seconds after the packet's StartedAt.
type Sample struct {
	OffsetS   float64  `json:"offset_s"`
	SpO2      *float64 `json:"spo2,omitempty"`
	HeartRate *float64 `json:"heart_rate,omitempty"`
}

// Consciousness values accepted in SignalPacket.Consciousness.
const (
	ConsciousnessAlert = "alert"
	ConsciousnessCVPU  = "cvpu"
)

// PatientList is the body of GET /v1/patients.
type PatientList struct {
	Patients []PatientSummary `json:"patients"`
}

// PatientSummary is a patient with their latest risk, if any.
type PatientSummary struct {
	PatientID   string        `json:"patient_id"`
	DisplayName string        `json:"display_name"`
	Ward        string        `json:"ward"`
	Latest      *RiskSnapshot `json:"latest"`
}

// RiskSnapshot is the latest assessed risk of a patient.
type RiskSnapshot struct {
	Score      int        `json:"score"`
	Level      risk.Level `json:"level"`
	AssessedAt time.Time  `json:"assessed_at"`
	PacketID   string     `json:"packet_id"`
}

// AssessmentList is the body of GET /v1/patients/{patient_id}/assessments,
// newest first.
type AssessmentList struct {
	Assessments []Assessment `json:"assessments"`
}

// Assessment is the scored result of one signal packet.
type Assessment struct {
	AssessmentID string     `json:"assessment_id"`
	PacketID     string     `json:"packet_id"`
	PatientID    string     `json:"patient_id"`
	DeviceID     string     `json:"device_id"`
	Score        int        `json:"score"`
	Level        risk.Level `json:"level"`
	Reasons      []Reason   `json:"reasons"`
	Features     Features   `json:"features"`
	// Rejections lists samples the signal core rejected (at most 100).
	Rejections []Rejection `json:"rejections"`
	StartedAt  time.Time   `json:"started_at"`
	AssessedAt time.Time   `json:"assessed_at"`
	// SpO2Series is the valid SpO2 readings downsampled for the trend chart.
	SpO2Series []SeriesPoint `json:"spo2_series"`
}

// Rejection says why one sample of a packet was not used.
type Rejection struct {
	// Index is the sample's index in the packet's samples array.
	Index int `json:"index"`
	// Field is "offset_s", "spo2", "heart_rate" or "sample".
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Reason explains the points one rule added to a score.
type Reason struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Points  int    `json:"points"`
}

// Features are the signal features the score was computed from. The SpO2 and
// heart-rate aggregates are null when the packet had no valid such samples.
type Features struct {
	SpO2Mean   *float64 `json:"spo2_mean"`
	SpO2Min    *float64 `json:"spo2_min"`
	SpO2Recent *float64 `json:"spo2_recent"` // mean over the last 30 s of valid readings
	// SpO2SlopePerMin is the least-squares trend in percentage points per minute.
	SpO2SlopePerMin    *float64 `json:"spo2_slope_per_min"`
	DesaturationEvents int      `json:"desaturation_events"` // SpO2 < 90 % for at least 10 s
	SecondsBelow90     float64  `json:"seconds_below_90"`
	HeartRateMean      *float64 `json:"heart_rate_mean"`
	HeartRateRecent    *float64 `json:"heart_rate_recent"`
	DurationS          float64  `json:"duration_s"`
	SampleCount        int      `json:"sample_count"`
	RejectedSamples    int      `json:"rejected_samples"`
	Gaps               int      `json:"gaps"` // valid-SpO2 gaps longer than 10 s
	LongestGapS        float64  `json:"longest_gap_s"`
}

// SeriesPoint is one point of the downsampled SpO2 trend.
type SeriesPoint struct {
	OffsetS float64 `json:"offset_s"`
	SpO2    float64 `json:"spo2"`
}

// RiskChangedEvent is the data of a "risk-changed" server-sent event on
// GET /v1/events/risk. PreviousLevel is nil for a patient's first assessment.
type RiskChangedEvent struct {
	PatientID     string      `json:"patient_id"`
	Level         risk.Level  `json:"level"`
	PreviousLevel *risk.Level `json:"previous_level"`
	Score         int         `json:"score"`
	AssessedAt    time.Time   `json:"assessed_at"`
	PacketID      string      `json:"packet_id"`
}

// Health is the body of GET /healthz; Status is always "ok".
type Health struct {
	Status string `json:"status"`
}

// Readiness is the body of GET /readyz, both when ready (200) and not (503).
// Checks has one entry per dependency: "ok" or what is wrong.
type Readiness struct {
	Status string            `json:"status"` // "ready" or "unready"
	Checks map[string]string `json:"checks"`
}

// Problem is the API's error body (RFC 7807 style).
type Problem struct {
	Type   string       `json:"type"`
	Title  string       `json:"title"`
	Status int          `json:"status"`
	Detail string       `json:"detail"`
	Errors []FieldError `json:"errors,omitempty"`
}

// FieldError names one invalid field of a request.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}
