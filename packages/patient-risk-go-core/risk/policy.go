package risk

import "fmt"

// Thresholds maps an aggregate early-warning score to a level, following the
// NEWS2 response bands: a score at or above High is high risk, at or above
// Medium is medium, anything lower is low; and a single parameter scoring
// RedScore points or more (a NEWS2 "red score") makes the level at least
// medium whatever the total.
type Thresholds struct {
	Medium   int `json:"medium"`
	High     int `json:"high"`
	RedScore int `json:"red_score"`
}

// DefaultThresholds is the product's policy: 0-4 low, 5-6 medium, 7+ high,
// and any single parameter at 3 points is at least medium. The API scores
// with the same bands (packages/patient-risk-python-core, assess.py);
// policy_test.go fails when the two disagree.
var DefaultThresholds = Thresholds{Medium: 5, High: 7, RedScore: 3}

// DefaultAlertLevel is the level that counts as an alert when a consumer
// (such as the operator) is not told otherwise.
const DefaultAlertLevel = High

// Validate checks that the bands are ordered and positive.
func (t Thresholds) Validate() error {
	switch {
	case t.Medium < 1:
		return fmt.Errorf("risk thresholds: medium must be at least 1, got %d", t.Medium)
	case t.High <= t.Medium:
		return fmt.Errorf("risk thresholds: high (%d) must be greater than medium (%d)", t.High, t.Medium)
	case t.RedScore < 1:
		return fmt.Errorf("risk thresholds: red_score must be at least 1, got %d", t.RedScore)
	}
	return nil
}

// LevelFor returns the level of an aggregate score whose highest single
// parameter scored worstParameterPoints. Negative values are rejected: a
// score is a sum of non-negative points.
func (t Thresholds) LevelFor(score, worstParameterPoints int) (Level, error) {
	if err := t.Validate(); err != nil {
		return 0, err
	}
	switch {
	case score < 0 || worstParameterPoints < 0:
		return 0, fmt.Errorf("risk score and parameter points must be non-negative, got %d and %d", score, worstParameterPoints)
	case worstParameterPoints > score:
		return 0, fmt.Errorf("a parameter's points (%d) cannot exceed the aggregate score (%d)", worstParameterPoints, score)
	case score >= t.High:
		return High, nil
	case score >= t.Medium || worstParameterPoints >= t.RedScore:
		return Medium, nil
	}
	return Low, nil
}
