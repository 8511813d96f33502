// Package risk holds the product's shared risk policy: the ordered risk
// levels and the score thresholds that map an early-warning score to a level.
package risk

import (
	"fmt"
	"strings"
)

// Level is a patient's risk level. The zero value is not a valid level: it
// marks "no level" (for example a patient with no assessment yet).
type Level int

// The risk levels, in increasing order of severity.
const (
	Low Level = iota + 1
	Medium
	High
)

var levelNames = [...]string{Low: "low", Medium: "medium", High: "high"}

// Levels returns every valid level, lowest first.
func Levels() []Level { return []Level{Low, Medium, High} }

// Valid reports whether l is one of Low, Medium or High.
func (l Level) Valid() bool { return l >= Low && l <= High }

// String returns the wire name of the level ("low", "medium", "high"), or
// "Level(n)" for an invalid value.
func (l Level) String() string {
	if l.Valid() {
		return levelNames[l]
	}
	return fmt.Sprintf("Level(%d)", int(l))
}

// AtLeast reports whether l is as severe as other or more. An invalid level
// is never at least anything.
func (l Level) AtLeast(other Level) bool { return l.Valid() && other.Valid() && l >= other }

// Compare returns -1, 0 or +1 as l is less, equally or more severe than other.
func (l Level) Compare(other Level) int {
	switch {
	case l < other:
		return -1
	case l > other:
		return 1
	}
	return 0
}

// ParseLevel parses a level name. Matching ignores case and surrounding
// space; anything else is an error that lists the accepted names.
func ParseLevel(s string) (Level, error) {
	name := strings.ToLower(strings.TrimSpace(s))
	for _, l := range Levels() {
		if levelNames[l] == name {
			return l, nil
		}
	}
	return 0, fmt.Errorf("unknown risk level %q: want one of %s", s, strings.Join(LevelNames(), ", "))
}

// LevelNames returns the wire names of every valid level, lowest first.
func LevelNames() []string {
	names := make([]string, 0, len(levelNames)-1)
	for _, l := range Levels() {
		names = append(names, levelNames[l])
	}
	return names
}

// MarshalText encodes a valid level as its wire name; JSON uses it too.
func (l Level) MarshalText() ([]byte, error) {
	if !l.Valid() {
		return nil, fmt.Errorf("cannot encode invalid risk level %d", int(l))
	}
	return []byte(levelNames[l]), nil
}

// UnmarshalText decodes a wire name; unknown names are an error.
func (l *Level) UnmarshalText(text []byte) error {
	parsed, err := ParseLevel(string(text))
	if err != nil {
		return err
	}
	*l = parsed
	return nil
}
