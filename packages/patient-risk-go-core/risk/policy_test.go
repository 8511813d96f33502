package risk

import (
	"errors"
	"io/fs"
	"os"
	"regexp"
	"strconv"
	"testing"
)

// The API computes levels in Python; this test reads its constants so the Go
// and Python copies of the policy cannot drift apart silently.
const pythonPolicy = "../../../packages/patient-risk-python-core/src/patient_risk_core/assess.py"

func TestPolicyMatchesPythonCore(t *testing.T) {
	src, err := os.ReadFile(pythonPolicy)
	if errors.Is(err, fs.ErrNotExist) && os.Getenv("PATIENT_RISK_REQUIRE_CONTRACTS") != "1" {
		t.Skipf("%s is not in this checkout", pythonPolicy)
	}
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]int{"MEDIUM_AT": DefaultThresholds.Medium, "HIGH_AT": DefaultThresholds.High} {
		m := regexp.MustCompile(`(?m)^` + name + ` = (\d+)\s*$`).FindSubmatch(src)
		if m == nil {
			t.Errorf("%s: no `%s = <int>` line; the policy moved, update this test and risk.DefaultThresholds together", pythonPolicy, name)
			continue
		}
		if got, _ := strconv.Atoi(string(m[1])); got != want {
			t.Errorf("%s says %s = %d but risk.DefaultThresholds has %d", pythonPolicy, name, got, want)
		}
	}
	red := regexp.MustCompile(`worst_parameter_points >= (\d+)`).FindSubmatch(src)
	if red == nil {
		t.Errorf("%s: no red-score rule `worst_parameter_points >= N` found", pythonPolicy)
	} else if got, _ := strconv.Atoi(string(red[1])); got != DefaultThresholds.RedScore {
		t.Errorf("%s red score is %d but risk.DefaultThresholds.RedScore is %d", pythonPolicy, got, DefaultThresholds.RedScore)
	}
}
