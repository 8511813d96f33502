package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

const testVersion = "9.9.9-test"

// operatorBinary builds the real binary once, version stamped with
// -ldflags -X as the image build does, and returns its path. It keeps the
// test's own build settings so only the link step is new work; the
// CGO_ENABLED=0 cross builds run in mk/operator.mk.
func operatorBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "risk-monitor-operator-test")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "risk-monitor-operator")
		cmd := exec.Command("go", "build", "-ldflags", "-X main.version="+testVersion, "-o", binPath, ".")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

// isolatedEnv is an environment with no way to find a cluster: no
// KUBECONFIG, no in-cluster variables, an empty HOME.
func isolatedEnv(t *testing.T) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if k == "KUBECONFIG" || k == "HOME" || strings.HasPrefix(k, "KUBERNETES_") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "HOME="+t.TempDir())
}

// runBinary runs the built operator and returns exit code, stdout, stderr
// and how long it took; it fails the test if the process outlives limit.
func runBinary(t *testing.T, limit time.Duration, env []string, args ...string) (int, string, string, time.Duration) {
	t.Helper()
	bin := operatorBinary(t) // built before the clock starts
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	took := time.Since(start)
	if ctx.Err() != nil {
		t.Fatalf("%v did not exit within %v; stderr:\n%s", args, limit, stderr.String())
	}
	code := 0
	if exitErr, ok := err.(*exec.ExitError); ok {
		code = exitErr.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, stdout.String(), stderr.String(), took
}

func assertNoPanic(t *testing.T, stderr string) {
	t.Helper()
	if strings.Contains(stderr, "panic") || strings.Contains(stderr, "goroutine ") {
		t.Errorf("stderr shows a panic:\n%s", stderr)
	}
}

func TestVersionFlagFromLdflags(t *testing.T) {
	code, stdout, stderr, _ := runBinary(t, 10*time.Second, isolatedEnv(t), "--version")
	want := fmt.Sprintf("risk-monitor-operator %s (", testVersion)
	if code != 0 || !strings.HasPrefix(stdout, want) || !strings.Contains(stdout, runtime.GOOS+"/"+runtime.GOARCH) {
		t.Errorf("--version: exit %d, stdout %q, stderr %q; want it to start with %q", code, stdout, stderr, want)
	}
}

func TestNoClusterFailsFast(t *testing.T) {
	code, _, stderr, took := runBinary(t, 15*time.Second, isolatedEnv(t))
	if code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	if !strings.Contains(stderr, "risk-monitor-operator: no Kubernetes cluster to talk to: no --kubeconfig flag, KUBECONFIG is unset, not running in a pod") ||
		!strings.Contains(stderr, "point it at one with --kubeconfig PATH or KUBECONFIG") {
		t.Errorf("stderr does not explain:\n%s", stderr)
	}
	if took > 5*time.Second {
		t.Errorf("took %v to give up, want a few seconds at most", took)
	}
	assertNoPanic(t, stderr)
	if lines := strings.Count(strings.TrimSpace(stderr), "\n") + 1; lines != 2 {
		t.Errorf("want a two-line explanation, got %d lines:\n%s", lines, stderr)
	}
}

func writeKubeconfig(t *testing.T, server string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kubeconfig")
	cfg := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: test
  cluster:
    server: %s
contexts:
- name: test
  context:
    cluster: test
    user: test
current-context: test
users:
- name: test
  user:
    token: not-a-real-token
`, server)
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestUnreachableClusterFailsFast(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	env := append(isolatedEnv(t), "KUBECONFIG="+writeKubeconfig(t, "http://"+addr))
	code, _, stderr, took := runBinary(t, 30*time.Second, env, "--api-server-timeout=3s")
	if code != 1 || !strings.Contains(stderr, "cannot reach the Kubernetes API server at http://"+addr) {
		t.Errorf("exit %d, stderr:\n%s", code, stderr)
	}
	if took > 10*time.Second {
		t.Errorf("took %v", took)
	}
	assertNoPanic(t, stderr)
}

// fakeAPIServer answers discovery like a cluster without the CRD.
func fakeAPIServer(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/version":
			fmt.Fprint(w, `{"major":"1","minor":"33","gitVersion":"v1.33.0","platform":"linux/amd64"}`)
		default:
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}`)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestMissingCRDIsExplained(t *testing.T) {
	srv := fakeAPIServer(t)
	var stdout, stderr bytes.Buffer
	code := run([]string{"--kubeconfig", writeKubeconfig(t, srv.URL), "--api-server-timeout=3s"}, &stdout, &stderr)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	for _, want := range []string{"does not serve monitoring.patient-risk.io/v1alpha1", "the RiskMonitor CRD is not installed", crdFile} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
}

func TestBadFlags(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"--no-such-flag"}, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "no-such-flag") {
		t.Errorf("unknown flag: exit %d, stderr %q", code, stderr.String())
	}
	stderr.Reset()
	if code := run([]string{"extra"}, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), `unexpected argument "extra"`) {
		t.Errorf("positional arg: exit %d, stderr %q", code, stderr.String())
	}
	stderr.Reset()
	if code := run([]string{"--kubeconfig", filepath.Join(t.TempDir(), "missing")}, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "--kubeconfig") {
		t.Errorf("missing kubeconfig: exit %d, stderr %q", code, stderr.String())
	}
	stderr.Reset()
	t.Setenv("KUBECONFIG", filepath.Join(t.TempDir(), "nope"))
	if code := run(nil, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "names no existing file") {
		t.Errorf("KUBECONFIG to a missing file: exit %d, stderr %q", code, stderr.String())
	}
	stdout.Reset()
	if code := run([]string{"--version"}, &stdout, &stderr); code != 0 || !strings.HasPrefix(stdout.String(), "risk-monitor-operator dev (") {
		t.Errorf("in-process --version: exit %d, stdout %q", code, stdout.String())
	}
}
