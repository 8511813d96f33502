package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tirosh-chain/guide/packages/patient-risk-go-core/api"
)

// APIError is a response with an unexpected status code.
type APIError struct {
	Method     string
	URL        string
	StatusCode int
	// Problem is the decoded error body, nil when the body was not a Problem.
	Problem *api.Problem
	// Body is the start of a body that was not a Problem (for the message).
	Body string
	// RetryAfter is the parsed Retry-After header, zero when absent.
	RetryAfter time.Duration
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %d %s", e.Method, e.URL, e.StatusCode, http.StatusText(e.StatusCode))
	switch {
	case e.Problem != nil:
		if e.Problem.Title != "" {
			b.WriteString(": " + e.Problem.Title)
		}
		if e.Problem.Detail != "" {
			b.WriteString(": " + e.Problem.Detail)
		}
		for _, fe := range e.Problem.Errors {
			fmt.Fprintf(&b, "; %s: %s", fe.Field, fe.Message)
		}
	case e.Body != "":
		b.WriteString(": " + e.Body)
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (Retry-After %v)", e.RetryAfter)
	}
	return b.String()
}

// DecodeError is a successful status whose body did not decode into the
// expected type: the API and this client disagree about the contract.
type DecodeError struct {
	Method     string
	URL        string
	StatusCode int
	Err        error
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("%s %s: decoding %d response: %v", e.Method, e.URL, e.StatusCode, e.Err)
}

func (e *DecodeError) Unwrap() error { return e.Err }

// IsNotFound reports whether err is (or wraps) a 404 from the API.
func IsNotFound(err error) bool { return StatusCode(err) == http.StatusNotFound }

// StatusCode returns the HTTP status of the *APIError in err's chain, or 0.
func StatusCode(err error) int {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.StatusCode
	}
	return 0
}

func newAPIError(method, url string, status int, header http.Header, body []byte, now time.Time) *APIError {
	e := &APIError{Method: method, URL: url, StatusCode: status, RetryAfter: parseRetryAfter(header.Get("Retry-After"), now)}
	var p api.Problem
	if json.Unmarshal(body, &p) == nil && (p.Title != "" || p.Detail != "" || p.Type != "") {
		e.Problem = &p
		return e
	}
	const limit = 200
	text := strings.TrimSpace(string(body))
	if len(text) > limit {
		text = text[:limit] + "…"
	}
	e.Body = text
	return e
}

// parseRetryAfter reads delay-seconds or an HTTP date; anything else is 0.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil {
		if secs < 0 {
			return 0
		}
		return time.Duration(secs) * time.Second
	}
	if at, err := http.ParseTime(v); err == nil {
		if d := at.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}
