package api

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func validPacket() SignalPacket {
	spo2 := 97.0
	return SignalPacket{
		PacketID:  "pkt-1.a_b",
		PatientID: "p-1",
		DeviceID:  "dev-1",
		StartedAt: time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC),
		Samples:   []Sample{{OffsetS: 0, SpO2: &spo2}},
	}
}

func TestValidateAcceptsValidPacket(t *testing.T) {
	p := validPacket()
	if err := p.Validate(); err != nil {
		t.Fatalf("valid packet rejected: %v", err)
	}
}

func TestValidateNamesEveryBadField(t *testing.T) {
	p := validPacket()
	p.PacketID = "has space"
	p.DeviceID = " "
	p.StartedAt = time.Time{}
	hot := 50.0
	p.Samples = append(p.Samples, Sample{OffsetS: -2})
	p.TemperatureC = &hot
	p.Consciousness = "asleep"
	err := p.Validate()
	ve, ok := AsValidationError(err)
	if !ok {
		t.Fatalf("want *ValidationError, got %v", err)
	}
	var fields []string
	for _, fe := range ve.Errors {
		fields = append(fields, fe.Field)
	}
	want := "packet_id,device_id,started_at,samples[1].offset_s,temperature_c,consciousness"
	if got := strings.Join(fields, ","); got != want {
		t.Errorf("fields = %s, want %s", got, want)
	}
	if !strings.Contains(err.Error(), "samples[1].offset_s: must be between 0 and 86400, got -2") {
		t.Errorf("message does not explain the offset: %v", err)
	}
}

func TestValidateLimits(t *testing.T) {
	p := validPacket()
	p.PacketID = strings.Repeat("x", MaxIdentifierLength+1)
	p.Samples = make([]Sample, MaxSamples+1)
	ve, ok := AsValidationError(p.Validate())
	if !ok || len(ve.Errors) != 2 {
		t.Fatalf("want 2 errors (packet_id length, sample count), got %v", ve)
	}
	p = validPacket()
	p.Samples = nil
	if _, ok := AsValidationError(p.Validate()); !ok {
		t.Error("packet with no samples accepted")
	}
}

func TestFixturesAgainstValidate(t *testing.T) {
	for _, name := range []string{"normal.json", "low-spo2-trend.json"} {
		p := decodeFixture(t, name)
		if err := p.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if len(p.Samples) < 10 || p.StartedAt.IsZero() {
			t.Errorf("%s decoded to a near-empty packet: %d samples", name, len(p.Samples))
		}
	}
	data := readRepoFile(t, "fixtures/malformed.json")
	var p SignalPacket
	if err := json.Unmarshal(data, &p); err == nil {
		t.Error("fixtures/malformed.json decoded without error; it has a bad started_at and a string spo2")
	}
}

func decodeFixture(t *testing.T, name string) SignalPacket {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(readRepoFile(t, "fixtures/"+name)))
	dec.DisallowUnknownFields()
	var p SignalPacket
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("fixtures/%s: %v", name, err)
	}
	return p
}
