package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Condition types set on a RiskMonitor.
const (
	// ConditionReady is True when the last poll of the API succeeded and
	// status.patientsAtRisk is current.
	ConditionReady = "Ready"
	// ConditionDegraded is True when the monitor cannot do its job: the API
	// is unreachable or answers with errors, or the spec is invalid. The
	// reason and message say which.
	ConditionDegraded = "Degraded"
)

// Condition reasons.
const (
	ReasonSynced          = "Synced"
	ReasonAPIReachable    = "APIReachable"
	ReasonAPIUnavailable  = "APIUnavailable"
	ReasonAPIError        = "APIError"
	ReasonInvalidResponse = "InvalidResponse"
	ReasonInvalidSpec     = "InvalidSpec"
)

// RiskMonitorSpec says which patient-risk API to watch and what counts as an alert.
type RiskMonitorSpec struct {
	// apiURL is the base URL of the patient-risk API, e.g.
	// http://patient-risk-api.clinical.svc:8080.
	// +kubebuilder:validation:Pattern=`^https?://[^/?#\s]+(/[^?#\s]*)?$`
	// +kubebuilder:validation:MaxLength=2048
	APIURL string `json:"apiURL"`

	// pollInterval is how often the API is polled while it is healthy,
	// between 5s and 1h. When the API is down, polls back off from this
	// interval, doubling up to 10 minutes.
	// +kubebuilder:default="30s"
	// +optional
	PollInterval metav1.Duration `json:"pollInterval,omitempty"`

	// alertLevel is the lowest risk level that counts as an alert: patients
	// whose latest assessment is at or above it are listed in
	// status.patientsAtRisk and announced with an Event.
	// +kubebuilder:validation:Enum=low;medium;high
	// +kubebuilder:default=high
	// +optional
	AlertLevel string `json:"alertLevel,omitempty"`

	// patientSelector narrows the watched patients; when absent every
	// patient the API knows is watched.
	// +optional
	PatientSelector *PatientSelector `json:"patientSelector,omitempty"`
}

// PatientSelector narrows the watched patients. When both fields are set a
// patient must match both.
type PatientSelector struct {
	// patientIDs lists the patients to watch.
	// +listType=set
	// +kubebuilder:validation:MaxItems=1000
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=64
	// +optional
	PatientIDs []string `json:"patientIDs,omitempty"`

	// ward watches the patients of one ward (exact match on the API's ward).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	// +optional
	Ward string `json:"ward,omitempty"`
}

// PatientAtRisk is one patient whose latest risk is at or above the alert level.
type PatientAtRisk struct {
	// patientID is the API's patient id.
	PatientID string `json:"patientID"`
	// displayName is the patient's display name, when the API has one.
	// +optional
	DisplayName string `json:"displayName,omitempty"`
	// ward is the patient's ward, when the API has one.
	// +optional
	Ward string `json:"ward,omitempty"`
	// level is the patient's latest risk level.
	// +kubebuilder:validation:Enum=low;medium;high
	Level string `json:"level"`
	// score is the latest early-warning score.
	Score int32 `json:"score"`
	// assessedAt is when the latest assessment was made.
	AssessedAt metav1.Time `json:"assessedAt"`
	// packetID is the signal packet the latest assessment came from.
	// +optional
	PacketID string `json:"packetID,omitempty"`
}

// RiskMonitorStatus is what the operator last saw.
type RiskMonitorStatus struct {
	// observedGeneration is the spec generation the status was computed for.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// patientsAtRisk lists the watched patients at or above the alert
	// level, ordered by patient id. While the API is unreachable it keeps
	// the last known list (see the Degraded condition and lastSyncTime).
	// +listType=map
	// +listMapKey=patientID
	// +optional
	PatientsAtRisk []PatientAtRisk `json:"patientsAtRisk,omitempty"`

	// atRiskCount is len(patientsAtRisk), for kubectl get.
	// +optional
	AtRiskCount int32 `json:"atRiskCount,omitempty"`

	// watchedPatients is how many patients matched the selector at the last sync.
	// +optional
	WatchedPatients int32 `json:"watchedPatients,omitempty"`

	// lastSyncTime is when the API was last polled successfully.
	// +optional
	LastSyncTime *metav1.Time `json:"lastSyncTime,omitempty"`

	// consecutiveFailures counts failed polls since the last success; it
	// drives the backoff.
	// +optional
	ConsecutiveFailures int32 `json:"consecutiveFailures,omitempty"`

	// conditions are Ready and Degraded.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// RiskMonitor watches a patient-risk API and reports the patients at risk.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=rmon,categories=patient-risk
// +kubebuilder:printcolumn:name="Alert",type=string,JSONPath=`.spec.alertLevel`
// +kubebuilder:printcolumn:name="At risk",type=integer,JSONPath=`.status.atRiskCount`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Degraded",type=string,JSONPath=`.status.conditions[?(@.type=="Degraded")].status`
// +kubebuilder:printcolumn:name="Last sync",type=date,JSONPath=`.status.lastSyncTime`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type RiskMonitor struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   RiskMonitorSpec   `json:"spec"`
	Status RiskMonitorStatus `json:"status,omitempty"`
}

// RiskMonitorList is a list of RiskMonitor.
// +kubebuilder:object:root=true
type RiskMonitorList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []RiskMonitor `json:"items"`
}

func init() {
	SchemeBuilder.Register(&RiskMonitor{}, &RiskMonitorList{})
}
