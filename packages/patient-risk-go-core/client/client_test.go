package client

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tirosh-chain/guide/packages/patient-risk-go-core/api"
	"github.com/tirosh-chain/guide/packages/patient-risk-go-core/risk"
)

// recorder replaces the client's sleep and records every wait.
type recorder struct {
	mu     sync.Mutex
	delays []time.Duration
}

func (r *recorder) sleep(ctx context.Context, d time.Duration) error {
	r.mu.Lock()
	r.delays = append(r.delays, d)
	r.mu.Unlock()
	return ctx.Err()
}

func (r *recorder) got() []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]time.Duration(nil), r.delays...)
}

var testPolicy = RetryPolicy{MaxAttempts: 4, InitialBackoff: 100 * time.Millisecond, MaxBackoff: 300 * time.Millisecond, MaxRetryAfter: 10 * time.Second, NoJitter: true}

func newTestClient(t *testing.T, url string, opts ...Option) (*Client, *recorder) {
	t.Helper()
	c, err := New(url, append([]Option{WithRetryPolicy(testPolicy), WithAttemptTimeout(2 * time.Second)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	c.sleep = rec.sleep
	return c, rec
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

const patientsBody = `{"patients":[
 {"patient_id":"p-1","display_name":"Ada","ward":"W3","latest":{"score":8,"level":"high","assessed_at":"2026-11-28T10:00:00Z","packet_id":"k1"}},
 {"patient_id":"p-2","display_name":"Bo","ward":"W1","latest":null}]}`

func TestListPatientsDecodesAndSendsHeaders(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != "/prefix/v1/patients" {
			http.Error(w, "unexpected "+r.Method+" "+r.URL.Path, http.StatusTeapot)
			return
		}
		if r.Header.Get("Accept") != "application/json" || r.Header.Get("User-Agent") != "risk-test/1" {
			http.Error(w, "bad headers", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, patientsBody)
	}))
	defer srv.Close()
	c, _ := newTestClient(t, srv.URL+"/prefix/", WithUserAgent("risk-test/1"))
	patients, err := c.ListPatients(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(patients) != 2 {
		t.Fatalf("got %d patients", len(patients))
	}
	p := patients[0]
	if p.PatientID != "p-1" || p.Ward != "W3" || p.Latest == nil || p.Latest.Level != risk.High || p.Latest.Score != 8 {
		t.Errorf("first patient decoded wrong: %+v", p)
	}
	if !p.Latest.AssessedAt.Equal(time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("assessed_at = %v", p.Latest.AssessedAt)
	}
	if patients[1].Latest != nil {
		t.Errorf("null latest decoded as %+v", patients[1].Latest)
	}
}

func TestPatientIDIsPathEscaped(t *testing.T) {
	var seen atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen.Store(r.URL.EscapedPath() + "?" + r.URL.RawQuery)
		writeJSON(w, 200, api.AssessmentList{Assessments: []api.Assessment{{AssessmentID: "a1", Level: risk.Medium}}})
	}))
	defer srv.Close()
	c, _ := newTestClient(t, srv.URL)
	got, err := c.ListAssessments(context.Background(), "a/b c", 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].AssessmentID != "a1" || got[0].Level != risk.Medium {
		t.Errorf("assessments = %+v", got)
	}
	if want := "/v1/patients/a%2Fb%20c/assessments?limit=5"; seen.Load() != want {
		t.Errorf("request path = %v, want %s", seen.Load(), want)
	}
}

func TestNotFoundIsNotRetried(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		writeJSON(w, 404, api.Problem{Type: "about:blank", Title: "Not Found", Status: 404, Detail: "no patient p-9"})
	}))
	defer srv.Close()
	c, rec := newTestClient(t, srv.URL)
	_, err := c.GetRisk(context.Background(), "p-9")
	if !IsNotFound(err) {
		t.Fatalf("want a 404, got %v", err)
	}
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Problem == nil || apiErr.Problem.Detail != "no patient p-9" {
		t.Errorf("problem not decoded: %#v", apiErr)
	}
	if !strings.Contains(err.Error(), "404 Not Found: Not Found: no patient p-9") {
		t.Errorf("message = %v", err)
	}
	if calls.Load() != 1 || len(rec.got()) != 0 {
		t.Errorf("404 was retried: %d calls, waits %v", calls.Load(), rec.got())
	}
}

func TestRetriesHonourRetryAfterThenSucceed(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch calls.Add(1) {
		case 1:
			w.Header().Set("Retry-After", "2")
			writeJSON(w, 503, api.Problem{Title: "Service Unavailable", Status: 503, Detail: "storage down"})
		case 2:
			w.WriteHeader(502)
		default:
			writeJSON(w, 200, api.PatientSummary{PatientID: "p-1"})
		}
	}))
	defer srv.Close()
	c, rec := newTestClient(t, srv.URL)
	p, err := c.GetPatient(context.Background(), "p-1")
	if err != nil {
		t.Fatal(err)
	}
	if p.PatientID != "p-1" || calls.Load() != 3 {
		t.Errorf("patient %+v after %d calls", p, calls.Load())
	}
	// First wait comes from Retry-After, the second from the backoff (attempt 2).
	want := []time.Duration{2 * time.Second, 200 * time.Millisecond}
	if got := rec.got(); len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("waits = %v, want %v", got, want)
	}
}

func TestGivesUpAfterMaxAttemptsWithCappedBackoff(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		http.Error(w, "boom", 500)
	}))
	defer srv.Close()
	c, rec := newTestClient(t, srv.URL)
	_, err := c.ListPatients(context.Background())
	if StatusCode(err) != 500 || calls.Load() != 4 {
		t.Fatalf("err %v after %d calls", err, calls.Load())
	}
	if !strings.Contains(err.Error(), "giving up after 4 attempts") || !strings.Contains(err.Error(), "boom") {
		t.Errorf("message = %v", err)
	}
	want := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 300 * time.Millisecond}
	got := rec.got()
	if len(got) != len(want) {
		t.Fatalf("waits = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("wait %d = %v, want %v", i, got[i], want[i])
		}
	}
}

func TestRetryAfterBeyondLimitStopsAtOnce(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Retry-After", time.Now().Add(time.Hour).UTC().Format(http.TimeFormat))
		w.WriteHeader(503)
	}))
	defer srv.Close()
	c, rec := newTestClient(t, srv.URL)
	_, err := c.ListPatients(context.Background())
	if StatusCode(err) != 503 || calls.Load() != 1 || len(rec.got()) != 0 {
		t.Fatalf("err %v, %d calls, waits %v", err, calls.Load(), rec.got())
	}
	if !strings.Contains(err.Error(), "longer than the 10s limit") {
		t.Errorf("message = %v", err)
	}
}

func TestConnectionErrorsAreRetried(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there any more: connection refused
	c, rec := newTestClient(t, "http://"+addr)
	_, err = c.ListPatients(context.Background())
	if err == nil || StatusCode(err) != 0 {
		t.Fatalf("want a transport error, got %v", err)
	}
	if !strings.Contains(err.Error(), "giving up after 4 attempts") || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("message = %v", err)
	}
	if len(rec.got()) != 3 {
		t.Errorf("waits = %v, want 3", rec.got())
	}
}

func TestAttemptTimeoutIsRetried(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			select { // hang until the client gives up on this attempt
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
			return
		}
		writeJSON(w, 200, api.PatientSummary{PatientID: "p-7"})
	}))
	defer srv.Close()
	c, rec := newTestClient(t, srv.URL, WithAttemptTimeout(100*time.Millisecond))
	start := time.Now()
	p, err := c.GetPatient(context.Background(), "p-7")
	if err != nil {
		t.Fatal(err)
	}
	if p.PatientID != "p-7" || calls.Load() != 2 || len(rec.got()) != 1 {
		t.Errorf("patient %+v after %d calls and waits %v", p, calls.Load(), rec.got())
	}
	if el := time.Since(start); el > 3*time.Second {
		t.Errorf("attempt timeout not applied: took %v", el)
	}
}

func TestContextCancelStopsBackoff(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(503)
	}))
	defer srv.Close()
	c, err := New(srv.URL, WithRetryPolicy(RetryPolicy{MaxAttempts: 5, InitialBackoff: time.Minute, MaxBackoff: time.Minute, MaxRetryAfter: time.Minute}))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = c.ListPatients(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want deadline exceeded, got %v", err)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("cancel did not stop the wait: took %v", el)
	}
}

func TestSubmitPacket(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		var p api.SignalPacket
		if r.Method != http.MethodPost || r.URL.Path != "/v1/signal-packets" || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "unexpected request", 400)
			return
		}
		if err := json.NewDecoder(r.Body).Decode(&p); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		switch p.PacketID {
		case "new":
			writeJSON(w, 201, api.Assessment{PacketID: p.PacketID, PatientID: p.PatientID, Score: 3, Level: risk.Low})
		case "again":
			writeJSON(w, 200, api.Assessment{PacketID: p.PacketID, Level: risk.Low})
		case "conflict":
			writeJSON(w, 409, api.Problem{Title: "Conflict", Status: 409, Detail: "packet_id reused with different content"})
		default:
			writeJSON(w, 422, api.Problem{Title: "Unprocessable", Status: 422, Errors: []api.FieldError{{Field: "samples[0].spo2", Message: "must be <= 100"}}})
		}
	}))
	defer srv.Close()
	c, rec := newTestClient(t, srv.URL)
	spo2 := 91.5
	packet := api.SignalPacket{PacketID: "new", PatientID: "p-1", DeviceID: "d", StartedAt: time.Now(), Samples: []api.Sample{{OffsetS: 0, SpO2: &spo2}}}

	a, created, err := c.SubmitPacket(context.Background(), packet)
	if err != nil || !created || a.Level != risk.Low || a.PatientID != "p-1" {
		t.Fatalf("new packet: %+v created=%v err=%v", a, created, err)
	}
	packet.PacketID = "again"
	if _, created, err = c.SubmitPacket(context.Background(), packet); err != nil || created {
		t.Errorf("resend: created=%v err=%v", created, err)
	}
	packet.PacketID = "conflict"
	if _, _, err = c.SubmitPacket(context.Background(), packet); StatusCode(err) != 409 {
		t.Errorf("conflict: %v", err)
	}
	packet.PacketID = "bad"
	_, _, err = c.SubmitPacket(context.Background(), packet)
	if StatusCode(err) != 422 || !strings.Contains(err.Error(), "samples[0].spo2: must be <= 100") {
		t.Errorf("422 not explained: %v", err)
	}
	before := calls.Load()
	packet.Samples = nil
	if _, _, err = c.SubmitPacket(context.Background(), packet); err == nil {
		t.Error("invalid packet was accepted")
	}
	if calls.Load() != before {
		t.Error("an invalid packet was sent to the API")
	}
	if len(rec.got()) != 0 {
		t.Errorf("4xx answers were retried: %v", rec.got())
	}
}

func TestReadyTreats503AsAnswer(t *testing.T) {
	var calls atomic.Int32
	ready := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if ready {
			_, _ = io.WriteString(w, `{"status":"ready","checks":{"database":"ok"}}`)
			return
		}
		w.WriteHeader(503)
		_, _ = io.WriteString(w, `{"status":"unready","checks":{"database":"connection refused"}}`)
	}))
	defer srv.Close()
	c, _ := newTestClient(t, srv.URL)
	rd, ok, err := c.Ready(context.Background())
	if err != nil || ok || rd.Status != "unready" || rd.Checks["database"] != "connection refused" {
		t.Fatalf("unready: %+v ok=%v err=%v", rd, ok, err)
	}
	if calls.Load() != 1 {
		t.Errorf("readiness was retried: %d calls", calls.Load())
	}
	ready = true
	if rd, ok, err = c.Ready(context.Background()); err != nil || !ok || rd.Status != "ready" {
		t.Errorf("ready: %+v ok=%v err=%v", rd, ok, err)
	}
}

func TestUndecodableBodyIsAnError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"patients":[{"patient_id":"p","latest":{"level":"critical"}}]}`)
	}))
	defer srv.Close()
	c, rec := newTestClient(t, srv.URL)
	_, err := c.ListPatients(context.Background())
	if err == nil || !strings.Contains(err.Error(), "decoding 200 response") || !strings.Contains(err.Error(), `unknown risk level "critical"`) {
		t.Fatalf("err = %v", err)
	}
	var de *DecodeError
	if !errors.As(err, &de) || de.StatusCode != 200 {
		t.Errorf("want a *DecodeError, got %T", err)
	}
	if len(rec.got()) != 0 {
		t.Error("a decoding error was retried")
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	for _, bad := range []string{"", "ftp://api", "http://", "api:8080", "http://api/?x=1", "http://u:p@api"} {
		if _, err := New(bad); err == nil {
			t.Errorf("New(%q) accepted", bad)
		}
	}
	if _, err := New("http://api", WithAttemptTimeout(0)); err == nil {
		t.Error("zero timeout accepted")
	}
	if _, err := New("http://api", WithRetryPolicy(RetryPolicy{MaxAttempts: 0})); err == nil {
		t.Error("zero attempts accepted")
	}
	if _, err := New("http://api", WithRetryPolicy(RetryPolicy{MaxAttempts: 3, InitialBackoff: time.Second, MaxBackoff: time.Millisecond})); err == nil {
		t.Error("max backoff below initial accepted")
	}
	c, err := New(" https://api.example:8443/base/ ")
	if err != nil || c.BaseURL() != "https://api.example:8443/base" {
		t.Errorf("BaseURL = %v, %v", c, err)
	}
}

func TestJitterStaysInBand(t *testing.T) {
	p := RetryPolicy{MaxAttempts: 3, InitialBackoff: time.Second, MaxBackoff: 4 * time.Second}
	for i := 0; i < 200; i++ {
		for n, full := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 5: 4 * time.Second} {
			d := p.backoff(n)
			if d < full/2 || d > full {
				t.Fatalf("backoff(%d) = %v, want in [%v, %v]", n, d, full/2, full)
			}
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	cases := map[string]time.Duration{
		"":                              0,
		"7":                             7 * time.Second,
		"-3":                            0,
		"soon":                          0,
		"Sat, 28 Nov 2026 12:00:30 GMT": 30 * time.Second,
		"Sat, 28 Nov 2026 11:00:00 GMT": 0,
	}
	for in, want := range cases {
		if got := parseRetryAfter(in, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}
