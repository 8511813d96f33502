package risk

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestParseLevel(t *testing.T) {
	cases := []struct {
		in   string
		want Level
	}{
		{"low", Low}, {"medium", Medium}, {"high", High},
		{"HIGH", High}, {"  Medium\n", Medium},
	}
	for _, c := range cases {
		got, err := ParseLevel(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseLevel(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "critical", "hi gh", "1"} {
		_, err := ParseLevel(bad)
		if err == nil {
			t.Fatalf("ParseLevel(%q) succeeded", bad)
		}
		if !strings.Contains(err.Error(), "low, medium, high") {
			t.Errorf("error for %q does not list the accepted names: %v", bad, err)
		}
	}
}

func TestOrdering(t *testing.T) {
	if !(Low < Medium && Medium < High) {
		t.Fatal("levels are not ordered low < medium < high")
	}
	cases := []struct {
		l, other Level
		atLeast  bool
		cmp      int
	}{
		{High, Medium, true, 1},
		{Medium, Medium, true, 0},
		{Low, High, false, -1},
		{Level(0), Low, false, -1},
		{High, Level(0), false, 1},
	}
	for _, c := range cases {
		if got := c.l.AtLeast(c.other); got != c.atLeast {
			t.Errorf("%v.AtLeast(%v) = %v, want %v", c.l, c.other, got, c.atLeast)
		}
		if got := c.l.Compare(c.other); got != c.cmp {
			t.Errorf("%v.Compare(%v) = %d, want %d", c.l, c.other, got, c.cmp)
		}
	}
}

func TestJSONRoundTrip(t *testing.T) {
	type wrap struct {
		Level Level `json:"level"`
	}
	for _, l := range Levels() {
		b, err := json.Marshal(wrap{l})
		if err != nil {
			t.Fatal(err)
		}
		if want := `{"level":"` + l.String() + `"}`; string(b) != want {
			t.Errorf("marshal %v = %s, want %s", l, b, want)
		}
		var back wrap
		if err := json.Unmarshal(b, &back); err != nil || back.Level != l {
			t.Errorf("round trip of %v gave %v, %v", l, back.Level, err)
		}
	}
	var w wrap
	if err := json.Unmarshal([]byte(`{"level":"severe"}`), &w); err == nil {
		t.Error("unknown level decoded without error")
	}
	if _, err := json.Marshal(wrap{Level(7)}); err == nil {
		t.Error("invalid level encoded without error")
	}
	if got := Level(9).String(); got != "Level(9)" {
		t.Errorf("String of invalid level = %q", got)
	}
}

func TestLevelFor(t *testing.T) {
	cases := []struct {
		score, worst int
		want         Level
	}{
		{0, 0, Low}, {4, 2, Low}, {5, 1, Medium}, {6, 2, Medium}, {7, 3, High}, {20, 3, High},
		{3, 3, Medium}, // a red score lifts a low total to medium
		{4, 3, Medium},
	}
	for _, c := range cases {
		got, err := DefaultThresholds.LevelFor(c.score, c.worst)
		if err != nil || got != c.want {
			t.Errorf("LevelFor(%d, %d) = %v, %v; want %v", c.score, c.worst, got, err, c.want)
		}
	}
	for _, bad := range [][2]int{{-1, 0}, {2, -1}, {2, 3}} {
		if _, err := DefaultThresholds.LevelFor(bad[0], bad[1]); err == nil {
			t.Errorf("LevelFor(%d, %d) accepted", bad[0], bad[1])
		}
	}
	for _, bad := range []Thresholds{{Medium: 0, High: 3, RedScore: 3}, {Medium: 5, High: 5, RedScore: 3}, {Medium: 6, High: 2, RedScore: 3}, {Medium: 5, High: 7}} {
		if err := bad.Validate(); err == nil {
			t.Errorf("thresholds %+v validated", bad)
		}
		if _, err := bad.LevelFor(3, 0); err == nil {
			t.Errorf("thresholds %+v scored without error", bad)
		}
	}
}
