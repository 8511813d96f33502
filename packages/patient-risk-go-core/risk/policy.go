package risk

import "fmt"

// Thresholds maps an aggregate early-warning score to a level: a score at or
// above High is high risk, at or above Medium (and below High) is medium,
// anything lower is low. The bands follow the NEWS2 aggregate-score bands.
type Thresholds struct {
	Medium int `json:"medium"`
	High   int `json:"high"`
}

// DefaultThresholds is the product's policy: 0-4 low, 5-6 medium, 7+ high.
// The API scores with the same bands; change both together.
var DefaultThresholds = Thresholds{Medium: 5, High: 7}

// DefaultAlertLevel is the level that counts as an alert when a consumer
// (such as the operator) is not told otherwise.
const DefaultAlertLevel = High

// Validate checks that the bands are ordered and non-negative.
func (t Thresholds) Validate() error {
	if t.Medium < 1 {
		return fmt.Errorf("risk thresholds: medium must be at least 1, got %d", t.Medium)
	}
	if t.High <= t.Medium {
		return fmt.Errorf("risk thresholds: high (%d) must be greater than medium (%d)", t.High, t.Medium)
	}
	return nil
}

// LevelForScore returns the level a score falls in. Negative scores are
// rejected: a score is a sum of non-negative points.
func (t Thresholds) LevelForScore(score int) (Level, error) {
	if err := t.Validate(); err != nil {
		return 0, err
	}
	switch {
	case score < 0:
		return 0, fmt.Errorf("risk score must be non-negative, got %d", score)
	case score >= t.High:
		return High, nil
	case score >= t.Medium:
		return Medium, nil
	}
	return Low, nil
}
