// Package controller holds the RiskMonitor reconciler.
//
// Each reconcile polls the monitor's patient-risk API once, writes what it
// saw into the status (patients at or above the alert level, Ready and
// Degraded conditions), emits Events for patients crossing the alert level
// in either direction, and asks to be called again after pollInterval, or
// after a growing backoff while the API is failing.
package controller

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	monitoringv1alpha1 "github.com/tirosh-chain/guide/apps/risk-monitor-operator/api/v1alpha1"
	"github.com/tirosh-chain/guide/apps/risk-monitor-operator/internal/metrics"
	"github.com/tirosh-chain/guide/packages/patient-risk-go-core/api"
	riskclient "github.com/tirosh-chain/guide/packages/patient-risk-go-core/client"
	"github.com/tirosh-chain/guide/packages/patient-risk-go-core/risk"
)

// Event reasons emitted on a RiskMonitor.
const (
	EventPatientAtRisk          = "PatientAtRisk"
	EventPatientRiskEscalated   = "PatientRiskEscalated"
	EventPatientRecovered       = "PatientRecovered"
	EventPatientNoLongerWatched = "PatientNoLongerWatched"
	EventAPIRecovered           = "APIRecovered"
)

// DefaultMaxBackoff caps the wait between polls of a failing API.
const DefaultMaxBackoff = 10 * time.Minute

// pollTimeout bounds one poll, retries inside the API client included.
const pollTimeout = 30 * time.Second

// PatientLister is the part of the patient-risk API the reconciler uses.
type PatientLister interface {
	ListPatients(ctx context.Context) ([]api.PatientSummary, error)
}

// Reconciler reconciles RiskMonitor objects.
type Reconciler struct {
	client.Client
	Recorder record.EventRecorder
	Metrics  *metrics.Metrics
	// Clock defaults to the real clock.
	Clock clock.PassiveClock
	// NewAPIClient makes the API client for a monitor's apiURL; it
	// defaults to NewAPIClient with a shared http.Client.
	NewAPIClient func(apiURL string) (PatientLister, error)
	// MaxBackoff caps the wait between polls of a failing API
	// (DefaultMaxBackoff when zero).
	MaxBackoff time.Duration
}

// NewAPIClient returns the core API client the operator uses: 10s per
// attempt, one quick retry for transient failures (the reconciler's own
// backoff handles longer outages), Retry-After honoured up to 5s.
func NewAPIClient(httpClient *http.Client, userAgent string) func(string) (PatientLister, error) {
	return func(apiURL string) (PatientLister, error) {
		return riskclient.New(apiURL,
			riskclient.WithHTTPClient(httpClient),
			riskclient.WithUserAgent(userAgent),
			riskclient.WithAttemptTimeout(10*time.Second),
			riskclient.WithRetryPolicy(riskclient.RetryPolicy{
				MaxAttempts: 2, InitialBackoff: 500 * time.Millisecond, MaxBackoff: time.Second, MaxRetryAfter: 5 * time.Second,
			}))
	}
}

// +kubebuilder:rbac:groups=monitoring.patient-risk.io,resources=riskmonitors,verbs=get;list;watch
// +kubebuilder:rbac:groups=monitoring.patient-risk.io,resources=riskmonitors/status,verbs=get;update;patch
// +kubebuilder:rbac:groups="",resources=events,verbs=create;patch

// Reconcile polls the API of one RiskMonitor and records what it saw.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var rm monitoringv1alpha1.RiskMonitor
	if err := r.Get(ctx, req.NamespacedName, &rm); err != nil {
		if apierrors.IsNotFound(err) {
			r.Metrics.Forget(req.Namespace, req.Name)
			return ctrl.Result{}, nil
		}
		return ctrl.Result{}, err
	}
	if !rm.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, nil
	}
	cfg, err := parseSpec(rm.Spec)
	if err != nil {
		return r.invalidSpec(ctx, &rm, err)
	}
	lister, err := r.newAPIClient(cfg.apiURL)
	if err != nil {
		return r.invalidSpec(ctx, &rm, fmt.Errorf("spec.apiURL: %w", err))
	}
	pollCtx, cancel := context.WithTimeout(ctx, pollTimeout)
	patients, err := lister.ListPatients(pollCtx)
	cancel()
	if err != nil {
		if ctx.Err() != nil { // the manager is shutting down
			return ctrl.Result{}, ctx.Err()
		}
		return r.apiFailed(ctx, &rm, cfg, err)
	}
	return r.synced(ctx, &rm, cfg, patients)
}

func (r *Reconciler) newAPIClient(apiURL string) (PatientLister, error) {
	if r.NewAPIClient != nil {
		return r.NewAPIClient(apiURL)
	}
	return NewAPIClient(http.DefaultClient, "risk-monitor-operator")(apiURL)
}

func (r *Reconciler) now() time.Time {
	if r.Clock == nil {
		return time.Now()
	}
	return r.Clock.Now()
}

// synced records a successful poll.
func (r *Reconciler) synced(ctx context.Context, rm *monitoringv1alpha1.RiskMonitor, cfg monitorConfig, patients []api.PatientSummary) (ctrl.Result, error) {
	now := metav1.NewTime(r.now().UTC().Truncate(time.Second))
	watched := map[string]api.PatientSummary{}
	var atRisk []monitoringv1alpha1.PatientAtRisk
	for _, p := range patients {
		if !cfg.watches(p) {
			continue
		}
		watched[p.PatientID] = p
		if p.Latest != nil && p.Latest.Level.AtLeast(cfg.alertLevel) {
			atRisk = append(atRisk, monitoringv1alpha1.PatientAtRisk{
				PatientID:   p.PatientID,
				DisplayName: p.DisplayName,
				Ward:        p.Ward,
				Level:       p.Latest.Level.String(),
				Score:       int32(p.Latest.Score),
				AssessedAt:  metav1.NewTime(p.Latest.AssessedAt.UTC().Truncate(time.Second)),
				PacketID:    p.Latest.PacketID,
			})
		}
	}
	sort.Slice(atRisk, func(i, j int) bool { return atRisk[i].PatientID < atRisk[j].PatientID })

	previous := rm.Status.DeepCopy()
	wasDegraded := meta.IsStatusConditionTrue(previous.Conditions, monitoringv1alpha1.ConditionDegraded)
	st := &rm.Status
	st.ObservedGeneration = rm.Generation
	st.PatientsAtRisk = atRisk
	st.AtRiskCount = int32(len(atRisk))
	st.WatchedPatients = int32(len(watched))
	st.LastSyncTime = &now
	st.ConsecutiveFailures = 0
	r.setCondition(rm, monitoringv1alpha1.ConditionReady, metav1.ConditionTrue, monitoringv1alpha1.ReasonSynced,
		fmt.Sprintf("%d watched patient(s), %d at or above %s risk", len(watched), len(atRisk), cfg.alertLevel))
	r.setCondition(rm, monitoringv1alpha1.ConditionDegraded, metav1.ConditionFalse, monitoringv1alpha1.ReasonAPIReachable,
		"the patient-risk API answered at "+cfg.apiURL)
	if err := r.Status().Update(ctx, rm); err != nil {
		return ctrl.Result{}, err
	}

	r.Metrics.PatientsAtRisk.WithLabelValues(rm.Namespace, rm.Name).Set(float64(len(atRisk)))
	r.Metrics.PatientsWatched.WithLabelValues(rm.Namespace, rm.Name).Set(float64(len(watched)))
	r.Metrics.LastSync.WithLabelValues(rm.Namespace, rm.Name).Set(float64(now.Unix()))

	if wasDegraded {
		r.Recorder.Eventf(rm, corev1.EventTypeNormal, EventAPIRecovered,
			"the patient-risk API at %s answers again after %d failed poll(s)", cfg.apiURL, previous.ConsecutiveFailures)
	}
	r.emitPatientEvents(rm, cfg, previous.PatientsAtRisk, atRisk, watched)
	log.FromContext(ctx).V(1).Info("synced", "watched", len(watched), "atRisk", len(atRisk), "next", cfg.poll)
	return ctrl.Result{RequeueAfter: cfg.poll}, nil
}

// emitPatientEvents announces patients crossing the alert level either way.
func (r *Reconciler) emitPatientEvents(rm *monitoringv1alpha1.RiskMonitor, cfg monitorConfig, before, after []monitoringv1alpha1.PatientAtRisk, watched map[string]api.PatientSummary) {
	prev := map[string]monitoringv1alpha1.PatientAtRisk{}
	for _, p := range before {
		prev[p.PatientID] = p
	}
	for _, p := range after {
		old, was := prev[p.PatientID]
		switch {
		case !was:
			r.Recorder.Eventf(rm, corev1.EventTypeWarning, EventPatientAtRisk,
				"patient %s is at %s risk (score %d, assessed %s, packet %s); alert level is %s",
				describe(p.PatientID, p.DisplayName, p.Ward), p.Level, p.Score, p.AssessedAt.UTC().Format(time.RFC3339), p.PacketID, cfg.alertLevel)
		case levelOf(p.Level) > levelOf(old.Level):
			r.Recorder.Eventf(rm, corev1.EventTypeWarning, EventPatientRiskEscalated,
				"patient %s rose from %s to %s risk (score %d)", describe(p.PatientID, p.DisplayName, p.Ward), old.Level, p.Level, p.Score)
		}
		delete(prev, p.PatientID)
	}
	ids := make([]string, 0, len(prev))
	for id := range prev {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		old := prev[id]
		now, still := watched[id]
		switch {
		case !still:
			r.Recorder.Eventf(rm, corev1.EventTypeNormal, EventPatientNoLongerWatched,
				"patient %s, last at %s risk, is no longer watched (not returned by the API or excluded by the selector)",
				describe(id, old.DisplayName, old.Ward), old.Level)
		case now.Latest == nil:
			r.Recorder.Eventf(rm, corev1.EventTypeNormal, EventPatientRecovered,
				"patient %s is below the alert level %s: the API has no current assessment", describe(id, now.DisplayName, now.Ward), cfg.alertLevel)
		default:
			r.Recorder.Eventf(rm, corev1.EventTypeNormal, EventPatientRecovered,
				"patient %s is back below the alert level %s: now %s risk (score %d)",
				describe(id, now.DisplayName, now.Ward), cfg.alertLevel, now.Latest.Level, now.Latest.Score)
		}
	}
}

// apiFailed records a failed poll and schedules the next one with backoff.
func (r *Reconciler) apiFailed(ctx context.Context, rm *monitoringv1alpha1.RiskMonitor, cfg monitorConfig, pollErr error) (ctrl.Result, error) {
	reason := classify(pollErr)
	wasDegraded := meta.IsStatusConditionTrue(rm.Status.Conditions, monitoringv1alpha1.ConditionDegraded)
	st := &rm.Status
	st.ObservedGeneration = rm.Generation
	st.ConsecutiveFailures++
	delay := r.backoff(cfg.poll, st.ConsecutiveFailures, pollErr)

	since := "never synced"
	if st.LastSyncTime != nil {
		since = "last synced " + st.LastSyncTime.UTC().Format(time.RFC3339) + "; patientsAtRisk is from then"
	}
	r.setCondition(rm, monitoringv1alpha1.ConditionReady, metav1.ConditionFalse, reason,
		fmt.Sprintf("cannot poll the patient-risk API (%s)", since))
	r.setCondition(rm, monitoringv1alpha1.ConditionDegraded, metav1.ConditionTrue, reason,
		fmt.Sprintf("%s (failed poll %d in a row; next poll in %v)", truncate(pollErr.Error(), 900), st.ConsecutiveFailures, delay))
	if err := r.Status().Update(ctx, rm); err != nil {
		return ctrl.Result{}, err
	}
	r.Metrics.APIErrors.WithLabelValues(rm.Namespace, rm.Name, reason).Inc()
	if !wasDegraded {
		r.Recorder.Eventf(rm, corev1.EventTypeWarning, reason, "polling %s failed: %s; retrying with backoff", cfg.apiURL, truncate(pollErr.Error(), 600))
	}
	log.FromContext(ctx).Info("poll failed", "reason", reason, "error", pollErr.Error(), "failures", st.ConsecutiveFailures, "retryIn", delay)
	return ctrl.Result{RequeueAfter: delay}, nil
}

// invalidSpec records a spec the operator cannot act on. It waits for the
// spec to change (a new generation triggers a reconcile) instead of polling.
func (r *Reconciler) invalidSpec(ctx context.Context, rm *monitoringv1alpha1.RiskMonitor, specErr error) (ctrl.Result, error) {
	wasInvalid := conditionReason(rm, monitoringv1alpha1.ConditionDegraded) == monitoringv1alpha1.ReasonInvalidSpec &&
		rm.Status.ObservedGeneration == rm.Generation
	rm.Status.ObservedGeneration = rm.Generation
	r.setCondition(rm, monitoringv1alpha1.ConditionReady, metav1.ConditionFalse, monitoringv1alpha1.ReasonInvalidSpec, "fix the spec: "+specErr.Error())
	r.setCondition(rm, monitoringv1alpha1.ConditionDegraded, metav1.ConditionTrue, monitoringv1alpha1.ReasonInvalidSpec, specErr.Error())
	if err := r.Status().Update(ctx, rm); err != nil {
		return ctrl.Result{}, err
	}
	if !wasInvalid {
		r.Recorder.Event(rm, corev1.EventTypeWarning, monitoringv1alpha1.ReasonInvalidSpec, specErr.Error())
	}
	return ctrl.Result{}, nil
}

// backoff returns the wait before the next poll after n failures in a row:
// pollInterval doubled per failure after the first, capped at MaxBackoff
// (but never below pollInterval), or the API's Retry-After when longer.
func (r *Reconciler) backoff(poll time.Duration, n int32, pollErr error) time.Duration {
	maxWait := r.MaxBackoff
	if maxWait == 0 {
		maxWait = DefaultMaxBackoff
	}
	if maxWait < poll {
		maxWait = poll
	}
	d := poll
	for i := int32(1); i < n && d < maxWait; i++ {
		d *= 2
	}
	var apiErr *riskclient.APIError
	if errors.As(pollErr, &apiErr) && apiErr.RetryAfter > d {
		d = apiErr.RetryAfter
	}
	return min(d, maxWait)
}

// classify names the kind of failure for the Degraded reason and metrics.
func classify(err error) string {
	var decodeErr *riskclient.DecodeError
	if errors.As(err, &decodeErr) {
		return monitoringv1alpha1.ReasonInvalidResponse
	}
	switch status := riskclient.StatusCode(err); status {
	case 0, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout, http.StatusTooManyRequests:
		return monitoringv1alpha1.ReasonAPIUnavailable
	default:
		return monitoringv1alpha1.ReasonAPIError
	}
}

func (r *Reconciler) setCondition(rm *monitoringv1alpha1.RiskMonitor, typ string, status metav1.ConditionStatus, reason, message string) {
	meta.SetStatusCondition(&rm.Status.Conditions, metav1.Condition{
		Type:               typ,
		Status:             status,
		Reason:             reason,
		Message:            message,
		ObservedGeneration: rm.Generation,
		LastTransitionTime: metav1.NewTime(r.now().UTC().Truncate(time.Second)),
	})
}

func conditionReason(rm *monitoringv1alpha1.RiskMonitor, typ string) string {
	if c := meta.FindStatusCondition(rm.Status.Conditions, typ); c != nil {
		return c.Reason
	}
	return ""
}

func levelOf(name string) risk.Level {
	l, _ := risk.ParseLevel(name)
	return l
}

func describe(id, displayName, ward string) string {
	var extra []string
	for _, s := range []string{displayName, ward} {
		if s != "" {
			extra = append(extra, s)
		}
	}
	if len(extra) == 0 {
		return id
	}
	return id + " (" + strings.Join(extra, ", ") + ")"
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// SetupWithManager registers the reconciler. Only spec changes (new
// generations) trigger a reconcile; the reconciler's own status writes do
// not, and polling runs on RequeueAfter.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&monitoringv1alpha1.RiskMonitor{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Named("riskmonitor").
		WithOptions(controller.Options{MaxConcurrentReconciles: 2}).
		Complete(r)
}
