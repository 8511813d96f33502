package api

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Limits on a SignalPacket, as in contracts/signal-packet.schema.json.
const (
	MaxIdentifierLength  = 64
	MaxSamples           = 7200
	MaxSampleOffsetS     = 86400
	MaxDisplayNameLength = 120
	MaxWardLength        = 64
)

var identifierPattern = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// ValidationError lists every invalid field of a packet, in field order, with
// the same field paths the API uses in a 422 Problem (e.g. "samples[3].offset_s").
type ValidationError struct {
	Errors []FieldError
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Errors))
	for i, fe := range e.Errors {
		parts[i] = fe.Field + ": " + fe.Message
	}
	return "invalid signal packet: " + strings.Join(parts, "; ")
}

type fieldErrors []FieldError

func (f *fieldErrors) add(field, format string, args ...any) {
	*f = append(*f, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

func (f *fieldErrors) identifier(field, v string) {
	switch {
	case v == "":
		f.add(field, "is required")
	case len(v) > MaxIdentifierLength:
		f.add(field, "is %d characters long, the limit is %d", len(v), MaxIdentifierLength)
	case !identifierPattern.MatchString(v):
		f.add(field, "may contain only letters, digits, '.', '_' and '-'")
	}
}

func (f *fieldErrors) inRange(field string, v *float64, lo, hi float64) {
	if v != nil && (*v < lo || *v > hi) {
		f.add(field, "must be between %v and %v, got %v", lo, hi, *v)
	}
}

// Validate checks the packet against the contract's structural constraints
// before it is sent, so a caller learns about a bad field without a round
// trip. Per-sample physiological plausibility is the API's job (it rejects
// such samples one by one), so only the schema's hard bounds are checked.
// It returns a *ValidationError or nil.
func (p *SignalPacket) Validate() error {
	var errs fieldErrors
	errs.identifier("packet_id", p.PacketID)
	errs.identifier("patient_id", p.PatientID)
	errs.identifier("device_id", p.DeviceID)
	if p.Patient != nil {
		if n := len(p.Patient.DisplayName); n > MaxDisplayNameLength {
			errs.add("patient.display_name", "is %d characters long, the limit is %d", n, MaxDisplayNameLength)
		}
		if n := len(p.Patient.Ward); n > MaxWardLength {
			errs.add("patient.ward", "is %d characters long, the limit is %d", n, MaxWardLength)
		}
	}
	if p.StartedAt.IsZero() {
		errs.add("started_at", "is required (RFC 3339 date-time)")
	}
	switch n := len(p.Samples); {
	case n == 0:
		errs.add("samples", "needs at least one sample")
	case n > MaxSamples:
		errs.add("samples", "has %d samples, the limit is %d", n, MaxSamples)
	}
	for i, s := range p.Samples {
		if s.OffsetS < 0 || s.OffsetS > MaxSampleOffsetS {
			errs.add(fmt.Sprintf("samples[%d].offset_s", i), "must be between 0 and %d, got %v", MaxSampleOffsetS, s.OffsetS)
		}
		errs.inRange(fmt.Sprintf("samples[%d].spo2", i), s.SpO2, 0, 255)
		errs.inRange(fmt.Sprintf("samples[%d].heart_rate", i), s.HeartRate, 0, 1000)
	}
	errs.inRange("respiratory_rate", p.RespiratoryRate, 0, 120)
	errs.inRange("temperature_c", p.TemperatureC, 20, 45)
	errs.inRange("systolic_bp", p.SystolicBP, 0, 350)
	if c := p.Consciousness; c != "" && c != ConsciousnessAlert && c != ConsciousnessCVPU {
		errs.add("consciousness", "must be %q or %q, got %q", ConsciousnessAlert, ConsciousnessCVPU, c)
	}
	if len(errs) == 0 {
		return nil
	}
	return &ValidationError{Errors: errs}
}

// AsValidationError returns the *ValidationError in err's chain, if any.
func AsValidationError(err error) (*ValidationError, bool) {
	var ve *ValidationError
	ok := errors.As(err, &ve)
	return ve, ok
}
