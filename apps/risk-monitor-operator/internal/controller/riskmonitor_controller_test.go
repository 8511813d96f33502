package controller

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/record"
	clocktesting "k8s.io/utils/clock/testing"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	monitoringv1alpha1 "github.com/tirosh-chain/guide/apps/risk-monitor-operator/api/v1alpha1"
	"github.com/tirosh-chain/guide/apps/risk-monitor-operator/internal/metrics"
	"github.com/tirosh-chain/guide/packages/patient-risk-go-core/api"
	"github.com/tirosh-chain/guide/packages/patient-risk-go-core/risk"
)

// fakeAPI is a real HTTP server speaking the patient-risk API's
// GET /v1/patients, whose answers the test switches.
type fakeAPI struct {
	mu         sync.Mutex
	patients   []api.PatientSummary
	mode       string // "healthy", "unavailable" (503), "error" (500), "drop" (close the connection), "garbage"
	retryAfter string
	calls      int
	srv        *httptest.Server
}

func newFakeAPI(t *testing.T) *fakeAPI {
	f := &fakeAPI{mode: "healthy"}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if r.URL.Path != "/v1/patients" || r.Method != http.MethodGet {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	switch f.mode {
	case "healthy":
		_ = json.NewEncoder(w).Encode(api.PatientList{Patients: f.patients})
	case "unavailable":
		if f.retryAfter != "" {
			w.Header().Set("Retry-After", f.retryAfter)
		}
		w.WriteHeader(http.StatusServiceUnavailable)
		_ = json.NewEncoder(w).Encode(api.Problem{Title: "Service Unavailable", Status: 503, Detail: "storage is down"})
	case "error":
		w.WriteHeader(http.StatusInternalServerError)
		_ = json.NewEncoder(w).Encode(api.Problem{Title: "Internal Server Error", Status: 500, Detail: "scoring failed"})
	case "garbage":
		_, _ = w.Write([]byte(`{"patients":[{"patient_id":"p-1","latest":{"level":"critical","score":99}}]}`))
	case "drop":
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			_ = conn.Close()
		}
	}
}

func (f *fakeAPI) set(mode string, patients ...api.PatientSummary) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.mode = mode
	if patients != nil {
		f.patients = patients
	}
}

var t0 = time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)

func patient(id, ward string, level risk.Level, score int) api.PatientSummary {
	p := api.PatientSummary{PatientID: id, DisplayName: "Patient " + id, Ward: ward}
	if level != 0 {
		p.Latest = &api.RiskSnapshot{Score: score, Level: level, AssessedAt: t0, PacketID: "pkt-" + id}
	}
	return p
}

type harness struct {
	t        *testing.T
	r        *Reconciler
	c        client.Client
	events   *record.FakeRecorder
	metrics  *metrics.Metrics
	clock    *clocktesting.FakeClock
	key      types.NamespacedName
	api      *fakeAPI
	registry *prometheus.Registry
}

func newHarness(t *testing.T, spec monitoringv1alpha1.RiskMonitorSpec) *harness {
	t.Helper()
	scheme := k8sruntime.NewScheme()
	if err := monitoringv1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	fa := newFakeAPI(t)
	if spec.APIURL == "" {
		spec.APIURL = fa.srv.URL
	}
	rm := &monitoringv1alpha1.RiskMonitor{
		ObjectMeta: metav1.ObjectMeta{Name: "ward-7b", Namespace: "clinical", Generation: 1},
		Spec:       spec,
	}
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(rm).WithStatusSubresource(&monitoringv1alpha1.RiskMonitor{}).Build()
	reg := prometheus.NewRegistry()
	m, err := metrics.New(reg)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{
		t: t, c: c, events: record.NewFakeRecorder(100), metrics: m, registry: reg,
		clock: clocktesting.NewFakeClock(t0), key: types.NamespacedName{Namespace: "clinical", Name: "ward-7b"}, api: fa,
	}
	h.r = &Reconciler{Client: c, Recorder: h.events, Metrics: m, Clock: h.clock,
		NewAPIClient: NewAPIClient(&http.Client{}, "risk-monitor-operator/test")}
	return h
}

func (h *harness) reconcile() ctrl.Result {
	h.t.Helper()
	res, err := h.r.Reconcile(context.Background(), ctrl.Request{NamespacedName: h.key})
	if err != nil {
		h.t.Fatalf("Reconcile: %v", err)
	}
	return res
}

func (h *harness) get() *monitoringv1alpha1.RiskMonitor {
	h.t.Helper()
	var rm monitoringv1alpha1.RiskMonitor
	if err := h.c.Get(context.Background(), h.key, &rm); err != nil {
		h.t.Fatal(err)
	}
	return &rm
}

// drain returns the events recorded since the last drain.
func (h *harness) drain() []string {
	var out []string
	for {
		select {
		case e := <-h.events.Events:
			out = append(out, e)
		default:
			return out
		}
	}
}

func (h *harness) condition(rm *monitoringv1alpha1.RiskMonitor, typ string) metav1.Condition {
	h.t.Helper()
	c := meta.FindStatusCondition(rm.Status.Conditions, typ)
	if c == nil {
		h.t.Fatalf("no %s condition in %+v", typ, rm.Status.Conditions)
	}
	return *c
}

func (h *harness) wantCondition(rm *monitoringv1alpha1.RiskMonitor, typ string, status metav1.ConditionStatus, reason string) metav1.Condition {
	h.t.Helper()
	c := h.condition(rm, typ)
	if c.Status != status || c.Reason != reason {
		h.t.Errorf("%s = %s/%s (%s), want %s/%s", typ, c.Status, c.Reason, c.Message, status, reason)
	}
	return c
}

func (h *harness) gauge(g *prometheus.GaugeVec) float64 {
	return testutil.ToFloat64(g.WithLabelValues(h.key.Namespace, h.key.Name))
}

func (h *harness) apiErrors(reason string) float64 {
	return testutil.ToFloat64(h.metrics.APIErrors.WithLabelValues(h.key.Namespace, h.key.Name, reason))
}

func eventsWith(events []string, prefix string) []string {
	var out []string
	for _, e := range events {
		if strings.HasPrefix(e, prefix) {
			out = append(out, e)
		}
	}
	return out
}

func atRiskIDs(rm *monitoringv1alpha1.RiskMonitor) string {
	var ids []string
	for _, p := range rm.Status.PatientsAtRisk {
		ids = append(ids, p.PatientID+"="+p.Level)
	}
	return strings.Join(ids, ",")
}

// TestLifecycle walks one monitor through the story: a healthy API,
// a high-risk patient appearing, the API going down, and the API coming back.
func TestLifecycle(t *testing.T) {
	h := newHarness(t, monitoringv1alpha1.RiskMonitorSpec{PollInterval: metav1.Duration{Duration: 30 * time.Second}, AlertLevel: "high"})

	// 1. Healthy API, nobody at or above high.
	h.api.set("healthy", patient("p-1", "7B", risk.Low, 1), patient("p-2", "7B", risk.Medium, 5), patient("p-3", "7B", 0, 0))
	res := h.reconcile()
	if res.RequeueAfter != 30*time.Second {
		t.Errorf("healthy requeue = %v, want the 30s poll interval", res.RequeueAfter)
	}
	rm := h.get()
	h.wantCondition(rm, monitoringv1alpha1.ConditionReady, metav1.ConditionTrue, monitoringv1alpha1.ReasonSynced)
	h.wantCondition(rm, monitoringv1alpha1.ConditionDegraded, metav1.ConditionFalse, monitoringv1alpha1.ReasonAPIReachable)
	if rm.Status.ObservedGeneration != 1 || rm.Status.WatchedPatients != 3 || len(rm.Status.PatientsAtRisk) != 0 {
		t.Errorf("status after healthy poll: %+v", rm.Status)
	}
	if rm.Status.LastSyncTime == nil || !rm.Status.LastSyncTime.Time.Equal(t0) {
		t.Errorf("lastSyncTime = %v, want %v", rm.Status.LastSyncTime, t0)
	}
	if ev := h.drain(); len(ev) != 0 {
		t.Errorf("events on a quiet ward: %v", ev)
	}
	if h.gauge(h.metrics.PatientsAtRisk) != 0 || h.gauge(h.metrics.PatientsWatched) != 3 {
		t.Errorf("gauges: at risk %v, watched %v", h.gauge(h.metrics.PatientsAtRisk), h.gauge(h.metrics.PatientsWatched))
	}

	// 2. p-2 turns high: status lists it and a Warning event names it.
	h.clock.Step(30 * time.Second)
	h.api.set("healthy", patient("p-1", "7B", risk.Low, 1), patient("p-2", "7B", risk.High, 8), patient("p-3", "7B", 0, 0))
	h.reconcile()
	rm = h.get()
	if got := atRiskIDs(rm); got != "p-2=high" {
		t.Fatalf("patientsAtRisk = %q, want p-2=high", got)
	}
	p2 := rm.Status.PatientsAtRisk[0]
	if p2.Score != 8 || p2.Ward != "7B" || p2.PacketID != "pkt-p-2" || !p2.AssessedAt.Time.Equal(t0) || rm.Status.AtRiskCount != 1 {
		t.Errorf("p-2 entry: %+v (count %d)", p2, rm.Status.AtRiskCount)
	}
	ev := h.drain()
	if w := eventsWith(ev, "Warning PatientAtRisk patient p-2 (Patient p-2, 7B) is at high risk (score 8"); len(w) != 1 || len(ev) != 1 {
		t.Errorf("events = %v, want one PatientAtRisk for p-2", ev)
	}
	if h.gauge(h.metrics.PatientsAtRisk) != 1 {
		t.Errorf("at-risk gauge = %v, want 1", h.gauge(h.metrics.PatientsAtRisk))
	}
	// The same answer again announces nothing new.
	h.reconcile()
	if ev := h.drain(); len(ev) != 0 {
		t.Errorf("repeated poll emitted %v", ev)
	}

	// 3. API down: 503, then dropped connections. Degraded says why, the
	// last known list stays, polls back off, one Warning event only.
	lastGood := h.get().Status.LastSyncTime
	h.clock.Step(30 * time.Second)
	h.api.set("unavailable")
	res = h.reconcile()
	rm = h.get()
	deg := h.wantCondition(rm, monitoringv1alpha1.ConditionDegraded, metav1.ConditionTrue, monitoringv1alpha1.ReasonAPIUnavailable)
	if !strings.Contains(deg.Message, "503") || !strings.Contains(deg.Message, "storage is down") || !strings.Contains(deg.Message, "next poll in 30s") {
		t.Errorf("Degraded message does not explain: %q", deg.Message)
	}
	h.wantCondition(rm, monitoringv1alpha1.ConditionReady, metav1.ConditionFalse, monitoringv1alpha1.ReasonAPIUnavailable)
	if atRiskIDs(rm) != "p-2=high" || !rm.Status.LastSyncTime.Equal(lastGood) {
		t.Errorf("stale status not kept: %q, lastSync %v", atRiskIDs(rm), rm.Status.LastSyncTime)
	}
	if res.RequeueAfter != 30*time.Second {
		t.Errorf("first failure requeue = %v, want 30s", res.RequeueAfter)
	}
	ev = h.drain()
	if len(ev) != 1 || !strings.HasPrefix(ev[0], "Warning APIUnavailable polling "+h.api.srv.URL) {
		t.Errorf("events on API down = %v", ev)
	}
	h.api.set("drop")
	var backoffs []time.Duration
	for i := 0; i < 3; i++ {
		backoffs = append(backoffs, h.reconcile().RequeueAfter)
	}
	if want := []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute}; !equalDurations(backoffs, want) {
		t.Errorf("backoff = %v, want %v", backoffs, want)
	}
	rm = h.get()
	if rm.Status.ConsecutiveFailures != 4 {
		t.Errorf("consecutiveFailures = %d, want 4", rm.Status.ConsecutiveFailures)
	}
	if ev := h.drain(); len(ev) != 0 {
		t.Errorf("a still-failing API re-announced itself: %v", ev)
	}
	if got := h.apiErrors(monitoringv1alpha1.ReasonAPIUnavailable); got != 4 {
		t.Errorf("api errors counter = %v, want 4", got)
	}

	// 4. API back: p-2 eased to medium, p-1 rose to high.
	h.clock.Step(5 * time.Minute)
	h.api.set("healthy", patient("p-1", "7B", risk.High, 9), patient("p-2", "7B", risk.Medium, 6), patient("p-3", "7B", 0, 0))
	res = h.reconcile()
	rm = h.get()
	h.wantCondition(rm, monitoringv1alpha1.ConditionReady, metav1.ConditionTrue, monitoringv1alpha1.ReasonSynced)
	h.wantCondition(rm, monitoringv1alpha1.ConditionDegraded, metav1.ConditionFalse, monitoringv1alpha1.ReasonAPIReachable)
	if res.RequeueAfter != 30*time.Second || rm.Status.ConsecutiveFailures != 0 || atRiskIDs(rm) != "p-1=high" {
		t.Errorf("after recovery: requeue %v, failures %d, at risk %q", res.RequeueAfter, rm.Status.ConsecutiveFailures, atRiskIDs(rm))
	}
	if !rm.Status.LastSyncTime.Time.Equal(h.clock.Now()) {
		t.Errorf("lastSyncTime not advanced: %v", rm.Status.LastSyncTime)
	}
	ev = h.drain()
	for _, want := range []string{
		"Normal APIRecovered the patient-risk API at " + h.api.srv.URL + " answers again after 4 failed poll(s)",
		"Warning PatientAtRisk patient p-1 (Patient p-1, 7B) is at high risk (score 9",
		"Normal PatientRecovered patient p-2 (Patient p-2, 7B) is back below the alert level high: now medium risk (score 6)",
	} {
		if len(eventsWith(ev, want)) != 1 {
			t.Errorf("missing event %q in %v", want, ev)
		}
	}
	if len(ev) != 3 {
		t.Errorf("want 3 events, got %v", ev)
	}
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestSelectorAndAlertLevel(t *testing.T) {
	h := newHarness(t, monitoringv1alpha1.RiskMonitorSpec{
		AlertLevel:      "medium",
		PatientSelector: &monitoringv1alpha1.PatientSelector{Ward: "7B", PatientIDs: []string{"p-1", "p-2", "p-9"}},
	})
	h.api.set("healthy",
		patient("p-1", "7B", risk.Medium, 5), // watched, at medium: alert
		patient("p-2", "7B", risk.Low, 2),    // watched, below
		patient("p-3", "7B", risk.High, 9),   // right ward, not in the id list
		patient("p-9", "4A", risk.High, 9),   // in the id list, other ward
	)
	res := h.reconcile()
	rm := h.get()
	if atRiskIDs(rm) != "p-1=medium" || rm.Status.WatchedPatients != 2 {
		t.Errorf("at risk %q, watched %d", atRiskIDs(rm), rm.Status.WatchedPatients)
	}
	if res.RequeueAfter != DefaultPollInterval {
		t.Errorf("requeue with no pollInterval = %v, want %v", res.RequeueAfter, DefaultPollInterval)
	}
	// p-1 escalates to high; p-1 stays listed and the escalation is announced.
	h.drain()
	h.api.set("healthy", patient("p-1", "7B", risk.High, 8))
	h.reconcile()
	if ev := h.drain(); len(ev) != 1 || !strings.HasPrefix(ev[0], "Warning PatientRiskEscalated patient p-1 (Patient p-1, 7B) rose from medium to high risk (score 8)") {
		t.Errorf("events = %v", ev)
	}
	// p-1 disappears from the API: it is no longer watched.
	h.api.set("healthy", patient("p-2", "7B", risk.Low, 1))
	h.reconcile()
	if ev := h.drain(); len(ev) != 1 || !strings.HasPrefix(ev[0], "Normal PatientNoLongerWatched patient p-1") {
		t.Errorf("events = %v", ev)
	}
}

func TestAPIErrorKinds(t *testing.T) {
	cases := []struct {
		mode, reason, inMessage string
	}{
		{"error", monitoringv1alpha1.ReasonAPIError, "500 Internal Server Error: Internal Server Error: scoring failed"},
		{"garbage", monitoringv1alpha1.ReasonInvalidResponse, `unknown risk level "critical"`},
	}
	for _, c := range cases {
		t.Run(c.mode, func(t *testing.T) {
			h := newHarness(t, monitoringv1alpha1.RiskMonitorSpec{})
			h.api.set(c.mode)
			h.reconcile()
			rm := h.get()
			deg := h.wantCondition(rm, monitoringv1alpha1.ConditionDegraded, metav1.ConditionTrue, c.reason)
			if !strings.Contains(deg.Message, c.inMessage) {
				t.Errorf("Degraded message %q lacks %q", deg.Message, c.inMessage)
			}
			if rm.Status.LastSyncTime != nil {
				t.Errorf("lastSyncTime set without a successful poll")
			}
			if !strings.Contains(h.condition(rm, monitoringv1alpha1.ConditionReady).Message, "never synced") {
				t.Errorf("Ready message should say it never synced: %+v", rm.Status.Conditions)
			}
			if h.apiErrors(c.reason) != 1 {
				t.Errorf("api errors[%s] = %v", c.reason, h.apiErrors(c.reason))
			}
		})
	}
}

func TestRetryAfterStretchesBackoff(t *testing.T) {
	h := newHarness(t, monitoringv1alpha1.RiskMonitorSpec{PollInterval: metav1.Duration{Duration: 10 * time.Second}})
	h.api.set("unavailable")
	h.api.retryAfter = "120" // beyond the client's 5s: it gives up and the reconciler waits instead
	start := time.Now()
	if res := h.reconcile(); res.RequeueAfter != 2*time.Minute {
		t.Errorf("requeue = %v, want the API's Retry-After of 2m", res.RequeueAfter)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("the reconciler slept on a long Retry-After")
	}
	h.r.MaxBackoff = time.Minute
	if res := h.reconcile(); res.RequeueAfter != time.Minute {
		t.Errorf("requeue = %v, want it capped at MaxBackoff 1m", res.RequeueAfter)
	}
}

func TestBackoffCurve(t *testing.T) {
	r := &Reconciler{MaxBackoff: 5 * time.Minute}
	want := []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute, 5 * time.Minute, 5 * time.Minute}
	for i, w := range want {
		if got := r.backoff(30*time.Second, int32(i+1), nil); got != w {
			t.Errorf("failure %d: backoff %v, want %v", i+1, got, w)
		}
	}
	// A poll interval above the cap is never shortened.
	if got := r.backoff(time.Hour, 3, nil); got != time.Hour {
		t.Errorf("long poll backoff = %v, want 1h", got)
	}
}

func TestInvalidSpec(t *testing.T) {
	h := newHarness(t, monitoringv1alpha1.RiskMonitorSpec{PollInterval: metav1.Duration{Duration: time.Second}})
	res := h.reconcile()
	if res.RequeueAfter != 0 {
		t.Errorf("invalid spec requeued after %v; it should wait for a spec change", res.RequeueAfter)
	}
	rm := h.get()
	deg := h.wantCondition(rm, monitoringv1alpha1.ConditionDegraded, metav1.ConditionTrue, monitoringv1alpha1.ReasonInvalidSpec)
	if !strings.Contains(deg.Message, "spec.pollInterval 1s is out of range") {
		t.Errorf("message = %q", deg.Message)
	}
	h.wantCondition(rm, monitoringv1alpha1.ConditionReady, metav1.ConditionFalse, monitoringv1alpha1.ReasonInvalidSpec)
	if h.api.calls != 0 {
		t.Errorf("the API was polled with an invalid spec")
	}
	h.reconcile()
	if ev := h.drain(); len(ev) != 1 || !strings.HasPrefix(ev[0], "Warning InvalidSpec spec.pollInterval") {
		t.Errorf("events = %v, want one InvalidSpec", ev)
	}
	// Fixing the spec (a new generation) brings it back.
	rm = h.get()
	rm.Spec.PollInterval.Duration = time.Minute
	rm.Generation = 2
	if err := h.c.Update(context.Background(), rm); err != nil {
		t.Fatal(err)
	}
	h.api.set("healthy", patient("p-1", "1A", risk.Low, 0))
	if res := h.reconcile(); res.RequeueAfter != time.Minute {
		t.Errorf("requeue after fix = %v", res.RequeueAfter)
	}
	rm = h.get()
	h.wantCondition(rm, monitoringv1alpha1.ConditionReady, metav1.ConditionTrue, monitoringv1alpha1.ReasonSynced)
	if rm.Status.ObservedGeneration != rm.Generation {
		t.Errorf("observedGeneration %d, generation %d", rm.Status.ObservedGeneration, rm.Generation)
	}
}

func TestParseSpec(t *testing.T) {
	bad := []monitoringv1alpha1.RiskMonitorSpec{
		{APIURL: "http://a", PollInterval: metav1.Duration{Duration: 2 * time.Hour}},
		{APIURL: "http://a", AlertLevel: "critical"},
		{APIURL: "http://a", PatientSelector: &monitoringv1alpha1.PatientSelector{PatientIDs: []string{"p-1", ""}}},
	}
	for _, s := range bad {
		if _, err := parseSpec(s); err == nil {
			t.Errorf("spec %+v accepted", s)
		}
	}
	cfg, err := parseSpec(monitoringv1alpha1.RiskMonitorSpec{APIURL: "http://a"})
	if err != nil || cfg.alertLevel != risk.High || cfg.poll != DefaultPollInterval {
		t.Errorf("defaults: %+v, %v", cfg, err)
	}
}

func TestBadAPIURLIsInvalidSpec(t *testing.T) {
	h := newHarness(t, monitoringv1alpha1.RiskMonitorSpec{APIURL: "ftp://api"})
	h.reconcile()
	deg := h.wantCondition(h.get(), monitoringv1alpha1.ConditionDegraded, metav1.ConditionTrue, monitoringv1alpha1.ReasonInvalidSpec)
	if !strings.Contains(deg.Message, "spec.apiURL") || !strings.Contains(deg.Message, "scheme must be http or https") {
		t.Errorf("message = %q", deg.Message)
	}
}

func TestDeletedMonitorForgetsMetrics(t *testing.T) {
	h := newHarness(t, monitoringv1alpha1.RiskMonitorSpec{})
	h.api.set("healthy", patient("p-1", "7B", risk.High, 9))
	h.reconcile()
	if n := testutil.CollectAndCount(h.metrics.PatientsAtRisk); n != 1 {
		t.Fatalf("at-risk series = %d, want 1", n)
	}
	if err := h.c.Delete(context.Background(), h.get()); err != nil {
		t.Fatal(err)
	}
	h.reconcile()
	if n := testutil.CollectAndCount(h.metrics.PatientsAtRisk); n != 0 {
		t.Errorf("series of a deleted monitor remain: %d", n)
	}
}

func TestMetricsAreExposed(t *testing.T) {
	h := newHarness(t, monitoringv1alpha1.RiskMonitorSpec{})
	h.api.set("healthy", patient("p-1", "7B", risk.High, 9))
	h.reconcile()
	expected := `
# HELP riskmonitor_patients_at_risk Watched patients whose latest risk is at or above the monitor's alert level.
# TYPE riskmonitor_patients_at_risk gauge
riskmonitor_patients_at_risk{name="ward-7b",namespace="clinical"} 1
`
	if err := testutil.GatherAndCompare(h.registry, strings.NewReader(expected), "riskmonitor_patients_at_risk"); err != nil {
		t.Error(err)
	}
}
