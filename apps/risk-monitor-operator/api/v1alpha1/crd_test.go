package v1alpha1

import (
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// The exact check that config/crd matches these types is the controller-gen
// regeneration diff in mk/operator.mk (make test/unit/operator). This test
// is the quick guard that needs no tool: every json field of the spec and
// status types is in the checked-in CRD schema and vice versa.

const crdPath = "../../config/crd/bases/monitoring.patient-risk.io_riskmonitors.yaml"

func loadCRDSchema(t *testing.T) map[string]any {
	t.Helper()
	data, err := os.ReadFile(crdPath)
	if err != nil {
		t.Fatalf("reading the checked-in CRD: %v", err)
	}
	var crd map[string]any
	if err := yaml.Unmarshal(data, &crd); err != nil {
		t.Fatalf("%s: %v", crdPath, err)
	}
	spec, _ := crd["spec"].(map[string]any)
	if spec["group"] != GroupVersion.Group {
		t.Fatalf("%s: group %v, want %s", crdPath, spec["group"], GroupVersion.Group)
	}
	versions, _ := spec["versions"].([]any)
	for _, v := range versions {
		vm, _ := v.(map[string]any)
		if vm["name"] == GroupVersion.Version {
			if sub, _ := vm["subresources"].(map[string]any); sub["status"] == nil {
				t.Errorf("%s: version %s has no status subresource", crdPath, GroupVersion.Version)
			}
			schema, _ := vm["schema"].(map[string]any)
			root, _ := schema["openAPIV3Schema"].(map[string]any)
			return root
		}
	}
	t.Fatalf("%s: no version %s", crdPath, GroupVersion.Version)
	return nil
}

var (
	timeType      = reflect.TypeOf(metav1.Time{})
	durationType  = reflect.TypeOf(metav1.Duration{})
	conditionType = reflect.TypeOf(metav1.Condition{})
)

func compareSchema(path string, typ reflect.Type, schema map[string]any, problems *[]string) {
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	switch {
	case typ == timeType, typ == durationType:
		if schema["type"] != "string" {
			*problems = append(*problems, path+": want a string schema for "+typ.String())
		}
		return
	case typ == conditionType:
		return // metav1.Condition's schema comes from apimachinery
	case typ.Kind() == reflect.Slice:
		items, _ := schema["items"].(map[string]any)
		if schema["type"] != "array" || items == nil {
			*problems = append(*problems, path+": want an array schema")
			return
		}
		compareSchema(path+"[]", typ.Elem(), items, problems)
		return
	case typ.Kind() != reflect.Struct:
		return
	}
	props, _ := schema["properties"].(map[string]any)
	seen := map[string]bool{}
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		seen[name] = true
		sub, ok := props[name].(map[string]any)
		if !ok {
			*problems = append(*problems, path+"."+name+": Go field "+f.Name+" is not in the CRD")
			continue
		}
		compareSchema(path+"."+name, f.Type, sub, problems)
	}
	var extra []string
	for name := range props {
		if !seen[name] {
			extra = append(extra, path+"."+name+": in the CRD but not in the Go type")
		}
	}
	sort.Strings(extra)
	*problems = append(*problems, extra...)
}

func TestCheckedInCRDMatchesTypes(t *testing.T) {
	root := loadCRDSchema(t)
	props, _ := root["properties"].(map[string]any)
	var problems []string
	for name, typ := range map[string]reflect.Type{"spec": reflect.TypeOf(RiskMonitorSpec{}), "status": reflect.TypeOf(RiskMonitorStatus{})} {
		sub, _ := props[name].(map[string]any)
		compareSchema(name, typ, sub, &problems)
	}
	if len(problems) > 0 {
		t.Errorf("%s is out of date with api/v1alpha1 (run `make operator/generate`):\n  %s", crdPath, strings.Join(problems, "\n  "))
	}
}

func TestDeepCopyIsIndependent(t *testing.T) {
	now := metav1.Now()
	in := &RiskMonitor{
		Spec: RiskMonitorSpec{APIURL: "http://api:8080", PatientSelector: &PatientSelector{PatientIDs: []string{"p-1"}}},
		Status: RiskMonitorStatus{
			LastSyncTime:   &now,
			PatientsAtRisk: []PatientAtRisk{{PatientID: "p-1", Level: "high"}},
			Conditions:     []metav1.Condition{{Type: ConditionReady, Status: metav1.ConditionTrue}},
		},
	}
	out := in.DeepCopy()
	if !reflect.DeepEqual(in, out) {
		t.Fatal("copy differs from the original")
	}
	out.Spec.PatientSelector.PatientIDs[0] = "p-2"
	out.Status.PatientsAtRisk[0].Level = "low"
	out.Status.Conditions[0].Status = metav1.ConditionFalse
	out.Status.LastSyncTime.Time = out.Status.LastSyncTime.Add(1)
	if in.Spec.PatientSelector.PatientIDs[0] != "p-1" || in.Status.PatientsAtRisk[0].Level != "high" ||
		in.Status.Conditions[0].Status != metav1.ConditionTrue || !in.Status.LastSyncTime.Equal(&now) {
		t.Error("DeepCopy shares memory with the original")
	}
	if _, ok := out.DeepCopyObject().(*RiskMonitor); !ok {
		t.Error("DeepCopyObject does not return a *RiskMonitor")
	}
}
