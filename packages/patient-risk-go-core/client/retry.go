package client

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// RetryPolicy says how often and how patiently a call is retried.
type RetryPolicy struct {
	// MaxAttempts counts every attempt, the first included; 1 disables retries.
	MaxAttempts int
	// InitialBackoff is the wait after the first failed attempt; each later
	// wait doubles, up to MaxBackoff. Waits are jittered to between half
	// and all of that value.
	InitialBackoff time.Duration
	MaxBackoff     time.Duration
	// MaxRetryAfter is the longest Retry-After the client will wait; a
	// longer one ends the call with the error at once.
	MaxRetryAfter time.Duration
	// NoJitter makes waits exact (for reproducible tests and tooling).
	NoJitter bool
}

// DefaultRetryPolicy: 4 attempts, 250ms doubling to at most 5s, Retry-After
// honoured up to 30s.
var DefaultRetryPolicy = RetryPolicy{MaxAttempts: 4, InitialBackoff: 250 * time.Millisecond, MaxBackoff: 5 * time.Second, MaxRetryAfter: 30 * time.Second}

func (p RetryPolicy) validate() error {
	switch {
	case p.MaxAttempts < 1:
		return fmt.Errorf("retry policy: MaxAttempts must be at least 1, got %d", p.MaxAttempts)
	case p.MaxAttempts > 1 && (p.InitialBackoff <= 0 || p.MaxBackoff < p.InitialBackoff):
		return fmt.Errorf("retry policy: need 0 < InitialBackoff (%v) <= MaxBackoff (%v)", p.InitialBackoff, p.MaxBackoff)
	case p.MaxRetryAfter < 0:
		return fmt.Errorf("retry policy: MaxRetryAfter must not be negative, got %v", p.MaxRetryAfter)
	}
	return nil
}

// backoff returns the wait after failed attempt n (1-based).
func (p RetryPolicy) backoff(n int) time.Duration {
	d := p.InitialBackoff
	for i := 1; i < n && d < p.MaxBackoff; i++ {
		d *= 2
	}
	if d > p.MaxBackoff {
		d = p.MaxBackoff
	}
	if p.NoJitter || d < 2 {
		return d
	}
	half := d / 2
	return half + rand.N(d-half+1)
}
