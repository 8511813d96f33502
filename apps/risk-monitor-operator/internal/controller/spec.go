package controller

import (
	"fmt"
	"time"

	monitoringv1alpha1 "github.com/tirosh-chain/guide/apps/risk-monitor-operator/api/v1alpha1"
	"github.com/tirosh-chain/guide/packages/patient-risk-go-core/api"
	"github.com/tirosh-chain/guide/packages/patient-risk-go-core/risk"
)

// Poll interval bounds and default (the CRD defaults pollInterval to 30s too).
const (
	DefaultPollInterval = 30 * time.Second
	MinPollInterval     = 5 * time.Second
	MaxPollInterval     = time.Hour
)

// monitorConfig is a RiskMonitorSpec checked and parsed.
type monitorConfig struct {
	apiURL     string
	poll       time.Duration
	alertLevel risk.Level
	patientIDs map[string]bool
	ward       string
}

// parseSpec validates what the CRD schema cannot fully check and returns the
// parsed configuration, or an error that names the field and the fix.
func parseSpec(spec monitoringv1alpha1.RiskMonitorSpec) (monitorConfig, error) {
	cfg := monitorConfig{apiURL: spec.APIURL, poll: spec.PollInterval.Duration, alertLevel: risk.DefaultAlertLevel}
	if cfg.poll == 0 {
		cfg.poll = DefaultPollInterval
	}
	if cfg.poll < MinPollInterval || cfg.poll > MaxPollInterval {
		return cfg, fmt.Errorf("spec.pollInterval %v is out of range: use a duration between %v and %v", cfg.poll, MinPollInterval, MaxPollInterval)
	}
	if spec.AlertLevel != "" {
		lvl, err := risk.ParseLevel(spec.AlertLevel)
		if err != nil {
			return cfg, fmt.Errorf("spec.alertLevel: %w", err)
		}
		cfg.alertLevel = lvl
	}
	if sel := spec.PatientSelector; sel != nil {
		cfg.ward = sel.Ward
		if len(sel.PatientIDs) > 0 {
			cfg.patientIDs = make(map[string]bool, len(sel.PatientIDs))
			for i, id := range sel.PatientIDs {
				if id == "" {
					return cfg, fmt.Errorf("spec.patientSelector.patientIDs[%d] is empty: remove it or give a patient id", i)
				}
				cfg.patientIDs[id] = true
			}
		}
	}
	return cfg, nil
}

// watches reports whether the selector matches the patient.
func (c monitorConfig) watches(p api.PatientSummary) bool {
	if c.patientIDs != nil && !c.patientIDs[p.PatientID] {
		return false
	}
	return c.ward == "" || c.ward == p.Ward
}
