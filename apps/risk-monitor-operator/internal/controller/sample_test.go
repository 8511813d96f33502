package controller

import (
	"os"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	monitoringv1alpha1 "github.com/tirosh-chain/guide/apps/risk-monitor-operator/api/v1alpha1"
	"github.com/tirosh-chain/guide/packages/patient-risk-go-core/api"
	"github.com/tirosh-chain/guide/packages/patient-risk-go-core/risk"
)

// The sample in config/samples must decode strictly into the Go type and be
// a spec the reconciler accepts.
func TestSampleIsValid(t *testing.T) {
	const path = "../../config/samples/monitoring_v1alpha1_riskmonitor.yaml"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rm monitoringv1alpha1.RiskMonitor
	if err := yaml.UnmarshalStrict(data, &rm); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if rm.APIVersion != monitoringv1alpha1.GroupVersion.String() || rm.Kind != "RiskMonitor" {
		t.Errorf("%s: apiVersion/kind = %s/%s", path, rm.APIVersion, rm.Kind)
	}
	cfg, err := parseSpec(rm.Spec)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if cfg.poll != 30*time.Second || cfg.alertLevel != risk.High || !cfg.watches(api.PatientSummary{Ward: "Ward 7B"}) || cfg.watches(api.PatientSummary{Ward: "Ward 4A"}) {
		t.Errorf("%s parsed to %+v", path, cfg)
	}
}
