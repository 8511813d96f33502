// Package client is a small HTTP client for the patient-risk API.
//
// Every call takes a context. Each attempt has its own timeout; failed
// attempts are retried with capped exponential backoff when the failure is
// worth retrying: a connection error or attempt timeout, 429, or a 5xx other
// than 501. A Retry-After header (seconds or HTTP date) replaces the backoff
// for that wait. Client errors (4xx) are returned at once as *APIError.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tirosh-chain/guide/packages/patient-risk-go-core/api"
)

// DefaultAttemptTimeout bounds one HTTP attempt, body included.
const DefaultAttemptTimeout = 10 * time.Second

// maxBodyBytes caps how much of a response body is read.
const maxBodyBytes = 16 << 20

// Client talks to one patient-risk API. It is safe for concurrent use.
type Client struct {
	base           *url.URL
	httpClient     *http.Client
	attemptTimeout time.Duration
	retry          RetryPolicy
	userAgent      string
	// sleep waits between attempts; tests replace it to record the delays.
	sleep func(ctx context.Context, d time.Duration) error
	// now is the clock used to read HTTP-date Retry-After headers.
	now func() time.Time
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient sets the HTTP client (transport, proxies, TLS). Its own
// Timeout, if any, still applies on top of the per-attempt timeout.
func WithHTTPClient(h *http.Client) Option { return func(c *Client) { c.httpClient = h } }

// WithAttemptTimeout sets the timeout of one attempt (default 10s).
func WithAttemptTimeout(d time.Duration) Option { return func(c *Client) { c.attemptTimeout = d } }

// WithRetryPolicy replaces DefaultRetryPolicy.
func WithRetryPolicy(p RetryPolicy) Option { return func(c *Client) { c.retry = p } }

// WithUserAgent sets the User-Agent header (default "patient-risk-go-core").
func WithUserAgent(ua string) Option { return func(c *Client) { c.userAgent = ua } }

// New returns a client for the API at baseURL, e.g. "http://api:8080". A
// path prefix in baseURL is kept ("http://host/risk" calls /risk/v1/...).
func New(baseURL string, opts ...Option) (*Client, error) {
	u, err := url.Parse(strings.TrimSpace(baseURL))
	if err != nil {
		return nil, fmt.Errorf("patient-risk API URL %q: %w", baseURL, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("patient-risk API URL %q: scheme must be http or https", baseURL)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("patient-risk API URL %q: has no host (want e.g. http://api:8080)", baseURL)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("patient-risk API URL %q: must not carry a query, fragment or credentials", baseURL)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	c := &Client{
		base:           u,
		httpClient:     &http.Client{},
		attemptTimeout: DefaultAttemptTimeout,
		retry:          DefaultRetryPolicy,
		userAgent:      "patient-risk-go-core",
		sleep:          sleepContext,
		now:            time.Now,
	}
	for _, opt := range opts {
		opt(c)
	}
	if c.attemptTimeout <= 0 {
		return nil, fmt.Errorf("patient-risk client: attempt timeout must be positive, got %v", c.attemptTimeout)
	}
	if err := c.retry.validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// BaseURL returns the API base URL the client was made with.
func (c *Client) BaseURL() string { return c.base.String() }

// ListPatients returns every patient with their latest risk (GET /v1/patients).
func (c *Client) ListPatients(ctx context.Context) ([]api.PatientSummary, error) {
	var out api.PatientList
	if _, err := c.do(ctx, call{method: http.MethodGet, path: "/v1/patients", ok: []int{http.StatusOK}, retry: true}, &out); err != nil {
		return nil, err
	}
	return out.Patients, nil
}

// GetPatient returns one patient; IsNotFound(err) tells an unknown id.
func (c *Client) GetPatient(ctx context.Context, patientID string) (*api.PatientSummary, error) {
	var out api.PatientSummary
	if _, err := c.do(ctx, call{method: http.MethodGet, path: "/v1/patients/" + url.PathEscape(patientID), ok: []int{http.StatusOK}, retry: true}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetRisk returns a patient's latest risk; IsNotFound(err) when there is none.
func (c *Client) GetRisk(ctx context.Context, patientID string) (*api.RiskSnapshot, error) {
	var out api.RiskSnapshot
	if _, err := c.do(ctx, call{method: http.MethodGet, path: "/v1/patients/" + url.PathEscape(patientID) + "/risk", ok: []int{http.StatusOK}, retry: true}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListAssessments returns a patient's assessments, newest first. A limit of
// zero or less leaves the page size to the API.
func (c *Client) ListAssessments(ctx context.Context, patientID string, limit int) ([]api.Assessment, error) {
	q := url.Values{}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var out api.AssessmentList
	if _, err := c.do(ctx, call{method: http.MethodGet, path: "/v1/patients/" + url.PathEscape(patientID) + "/assessments", query: q, ok: []int{http.StatusOK}, retry: true}, &out); err != nil {
		return nil, err
	}
	return out.Assessments, nil
}

// SubmitPacket posts a signal packet and returns its assessment. created is
// true for 201 (new packet) and false for 200 (an idempotent resend). The
// packet is validated first; retries are safe because the API deduplicates
// on packet_id.
func (c *Client) SubmitPacket(ctx context.Context, p api.SignalPacket) (assessment *api.Assessment, created bool, err error) {
	if err := p.Validate(); err != nil {
		return nil, false, err
	}
	var out api.Assessment
	status, err := c.do(ctx, call{method: http.MethodPost, path: "/v1/signal-packets", body: p, ok: []int{http.StatusCreated, http.StatusOK}, retry: true}, &out)
	if err != nil {
		return nil, false, err
	}
	return &out, status == http.StatusCreated, nil
}

// Health calls GET /healthz once, without retries.
func (c *Client) Health(ctx context.Context) (*api.Health, error) {
	var out api.Health
	if _, err := c.do(ctx, call{method: http.MethodGet, path: "/healthz", ok: []int{http.StatusOK}}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Ready calls GET /readyz once, without retries. A 503 with a readiness body
// is an answer, not an error: ready is false and the checks say why.
func (c *Client) Ready(ctx context.Context) (readiness *api.Readiness, ready bool, err error) {
	var out api.Readiness
	status, err := c.do(ctx, call{method: http.MethodGet, path: "/readyz", ok: []int{http.StatusOK, http.StatusServiceUnavailable}}, &out)
	if err != nil {
		return nil, false, err
	}
	return &out, status == http.StatusOK, nil
}

// call describes one logical request.
type call struct {
	method string
	path   string
	query  url.Values
	body   any
	ok     []int
	retry  bool
}

// do runs a call with retries and decodes a successful body into out. It
// returns the final status code.
func (c *Client) do(ctx context.Context, cl call, out any) (int, error) {
	// cl.path is already escaped (ids go through url.PathEscape).
	u := *c.base
	u.RawPath = c.base.EscapedPath() + cl.path
	unescaped, err := url.PathUnescape(u.RawPath)
	if err != nil {
		return 0, fmt.Errorf("%s %s: %w", cl.method, u.RawPath, err)
	}
	u.Path = unescaped
	if len(cl.query) > 0 {
		u.RawQuery = cl.query.Encode()
	}
	target := u.String()
	var payload []byte
	if cl.body != nil {
		if payload, err = json.Marshal(cl.body); err != nil {
			return 0, fmt.Errorf("%s %s: encoding request body: %w", cl.method, target, err)
		}
	}
	attempts := 1
	if cl.retry {
		attempts = c.retry.MaxAttempts
	}
	var lastErr error
	for attempt := 1; attempt <= attempts; attempt++ {
		status, body, header, err := c.attempt(ctx, cl.method, target, payload)
		if err != nil {
			if ctx.Err() != nil {
				return 0, fmt.Errorf("%s %s: %w", cl.method, target, ctx.Err())
			}
			lastErr = fmt.Errorf("%s %s: %w", cl.method, target, err)
		} else if containsInt(cl.ok, status) {
			if out != nil {
				if err := json.Unmarshal(body, out); err != nil {
					return status, &DecodeError{Method: cl.method, URL: target, StatusCode: status, Err: err}
				}
			}
			return status, nil
		} else {
			apiErr := newAPIError(cl.method, target, status, header, body, c.now())
			if !retryableStatus(status) {
				return status, apiErr
			}
			lastErr = apiErr
		}
		if attempt == attempts {
			break
		}
		delay := c.retry.backoff(attempt)
		var apiErr *APIError
		if errors.As(lastErr, &apiErr) && apiErr.RetryAfter > 0 {
			if apiErr.RetryAfter > c.retry.MaxRetryAfter {
				return apiErr.StatusCode, fmt.Errorf("not retrying: Retry-After %v is longer than the %v limit: %w", apiErr.RetryAfter, c.retry.MaxRetryAfter, lastErr)
			}
			delay = apiErr.RetryAfter
		}
		if err := c.sleep(ctx, delay); err != nil {
			return 0, fmt.Errorf("%s %s: %w (while waiting to retry after: %v)", cl.method, target, err, lastErr)
		}
	}
	if attempts == 1 {
		return statusOf(lastErr), lastErr
	}
	return statusOf(lastErr), fmt.Errorf("giving up after %d attempts: %w", attempts, lastErr)
}

// attempt sends one request under the per-attempt timeout and reads the body.
func (c *Client) attempt(ctx context.Context, method, target string, payload []byte) (int, []byte, http.Header, error) {
	actx, cancel := context.WithTimeout(ctx, c.attemptTimeout)
	defer cancel()
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(actx, method, target, body)
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.httpClient.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes+1))
	if err != nil {
		return 0, nil, nil, fmt.Errorf("reading %d response: %w", resp.StatusCode, err)
	}
	if len(data) > maxBodyBytes {
		return 0, nil, nil, fmt.Errorf("%d response is larger than %d bytes", resp.StatusCode, maxBodyBytes)
	}
	return resp.StatusCode, data, resp.Header, nil
}

func retryableStatus(status int) bool {
	return status == http.StatusTooManyRequests || (status >= 500 && status != http.StatusNotImplemented)
}

func containsInt(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func statusOf(err error) int {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.StatusCode
	}
	return 0
}

func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
