// Package metrics holds the operator's own Prometheus metrics. They are
// registered on the registry the manager serves on :8080 (/metrics), next
// to controller-runtime's built-in ones.
package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the RiskMonitor metrics, labelled by monitor namespace and name.
type Metrics struct {
	PatientsAtRisk  *prometheus.GaugeVec
	PatientsWatched *prometheus.GaugeVec
	APIErrors       *prometheus.CounterVec
	LastSync        *prometheus.GaugeVec
}

// New creates the metrics and registers them on reg.
func New(reg prometheus.Registerer) (*Metrics, error) {
	labels := []string{"namespace", "name"}
	m := &Metrics{
		PatientsAtRisk: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "riskmonitor", Name: "patients_at_risk",
			Help: "Watched patients whose latest risk is at or above the monitor's alert level.",
		}, labels),
		PatientsWatched: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "riskmonitor", Name: "patients_watched",
			Help: "Patients matching the monitor's selector at the last successful poll.",
		}, labels),
		APIErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "riskmonitor", Name: "api_errors_total",
			Help: "Failed polls of the patient-risk API, by reason (APIUnavailable, APIError, InvalidResponse).",
		}, append(labels, "reason")),
		LastSync: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "riskmonitor", Name: "last_sync_timestamp_seconds",
			Help: "Unix time of the monitor's last successful poll.",
		}, labels),
	}
	for _, c := range []prometheus.Collector{m.PatientsAtRisk, m.PatientsWatched, m.APIErrors, m.LastSync} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Forget drops every series of a deleted monitor.
func (m *Metrics) Forget(namespace, name string) {
	labels := prometheus.Labels{"namespace": namespace, "name": name}
	m.PatientsAtRisk.Delete(labels)
	m.PatientsWatched.Delete(labels)
	m.LastSync.Delete(labels)
	m.APIErrors.DeletePartialMatch(labels)
}
