"""Every amd64 image runs with a read-only root filesystem, no capabilities and its
non-root user, and answers its endpoints; the arm64 API runs under QEMU.

The web image proxies /api/ to a real API container on a user network, as in Compose.
The operator needs a Kubernetes API server to become ready. Here `KubeAPI` below answers
just the discovery, list and watch requests the manager makes for RiskMonitors, over
loopback, so this tier can exercise the image's probe and metrics servers in seconds. The
operator against a real kube-apiserver + etcd (CRD, RBAC as its service account, status,
events, leader election, its image reconciling against the API image) is
tests/operator (`make test/integration/operator`, docs/operator.md).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import container, free_port, http_get, image_config, network, published_port, run, wait_http

HARDENED = ["--read-only", "--cap-drop", "ALL", "--security-opt", "no-new-privileges"]
RUNTIME_USERS = {
    "risk-monitor-operator": "65532:65532",
    "patient-risk-python-api": "10001:10001",
    "patient-risk-web": "101:101",
    "dev-guide-docs": "101:101",
}


@pytest.mark.parametrize("app", sorted(RUNTIME_USERS))
def test_images_declare_a_non_root_user(images, app):
    for platform in ("linux/amd64", "linux/arm64"):
        cfg = image_config(images[app], platform)["config"]
        assert cfg.get("User") == RUNTIME_USERS[app], f"{app} {platform}: {cfg.get('User')}"
        labels = cfg.get("Labels") or {}
        assert labels.get("org.opencontainers.image.version") == "0.0.0-it", labels
        assert labels.get("io.github.tirosh-chain.patient-risk.runtime.user") == RUNTIME_USERS[app], labels


def test_api_web_and_docs_serve_read_only(images):
    with network() as net:
        api_args = [*HARDENED, "--network", net, "--network-alias", "api", "-p", "127.0.0.1::8080"]
        with container(images["patient-risk-python-api"], run_args=api_args) as api:
            api_port = published_port(api, 8080)
            status, body = wait_http(f"http://127.0.0.1:{api_port}/healthz", 60)
            assert json.loads(body)["status"] == "ok"
            status, body = wait_http(f"http://127.0.0.1:{api_port}/readyz", 30)
            assert json.loads(body)["status"] == "ready", body
            uid = run(["docker", "exec", api, "id", "-u"]).stdout.strip()
            assert uid == "10001"
            # The read-only root is enforced: only the /tmp volume is writable.
            denied = run(["docker", "exec", api, "python3", "-c", "open('/opt/x', 'w')"], check=False)
            assert denied.returncode != 0 and "Read-only file system" in denied.stderr, denied.stderr
            run(["docker", "exec", api, "python3", "-c", "open('/tmp/x', 'w').write('ok')"])

            web_args = [*HARDENED, "--network", net, "-p", "127.0.0.1::8080"]
            with container(images["patient-risk-web"], run_args=web_args) as web:
                web_port = published_port(web, 8080)
                wait_http(f"http://127.0.0.1:{web_port}/healthz", 60)
                status, page = http_get(f"http://127.0.0.1:{web_port}/")
                assert status == 200 and b'<div id="root"' in page, page[:400]
                status, body = wait_http(f"http://127.0.0.1:{web_port}/api/healthz", 30)
                assert json.loads(body)["status"] == "ok", "the web image proxies /api/ to the API"
                status, body = http_get(f"http://127.0.0.1:{web_port}/api/v1/patients")
                assert status == 200 and "patients" in json.loads(body), body[:300]
                wait_http(f"http://127.0.0.1:{web_port}/readyz", 30)

    with container(images["dev-guide-docs"], run_args=[*HARDENED, "-p", "127.0.0.1::8080"]) as docs:
        port = published_port(docs, 8080)
        wait_http(f"http://127.0.0.1:{port}/healthz", 60)
        status, body = wait_http(f"http://127.0.0.1:{port}/readyz", 10)
        assert json.loads(body)["status"] == "ready"
        status, portal = http_get(f"http://127.0.0.1:{port}/")
        assert status == 200 and b"developer portal" in portal and b'href="guide/"' in portal, portal[:300]
        for site, marker in (("guide", b"patient-risk developer guide"), ("handoff", b"CD handoff")):
            status, page = http_get(f"http://127.0.0.1:{port}/{site}/")
            assert status == 200 and marker in page, f"/{site}/: {status} {page[:200]!r}"


class KubeAPI(ThreadingHTTPServer):
    """Discovery, list and (idle) watch of RiskMonitors, on loopback."""

    daemon_threads = True
    GROUP = "monitoring.patient-risk.io"
    VERSION = "v1alpha1"

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _KubeHandler)
        self.requests: list[str] = []
        self.closing = threading.Event()


class _KubeHandler(BaseHTTPRequestHandler):
    server: KubeAPI

    def log_message(self, *args):  # keep pytest output clean
        pass

    def _json(self, code: int, doc: dict):
        body = json.dumps(doc).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):  # noqa: N802 - http.server API
        s = self.server
        s.requests.append(self.path)
        path, _, query = self.path.partition("?")
        gv = f"{s.GROUP}/{s.VERSION}"
        if path == "/version":
            return self._json(200, {"major": "1", "minor": "33", "gitVersion": "v1.33.0", "platform": "linux/amd64"})
        if path == "/api":
            return self._json(200, {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []})
        if path == "/apis":
            group = {"name": s.GROUP, "versions": [{"groupVersion": gv, "version": s.VERSION}],
                     "preferredVersion": {"groupVersion": gv, "version": s.VERSION}}
            return self._json(200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": [group]})
        if path == f"/apis/{gv}":
            resource = {"name": "riskmonitors", "singularName": "riskmonitor", "namespaced": True, "kind": "RiskMonitor",
                        "verbs": ["get", "list", "watch", "create", "update", "patch", "delete"]}
            return self._json(200, {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv,
                                    "resources": [resource, {**resource, "name": "riskmonitors/status",
                                                             "verbs": ["get", "update", "patch"]}]})
        if path == f"/apis/{gv}/riskmonitors":
            if "watch=true" in query or "watch=1" in query:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                self.server.closing.wait(120)  # an idle watch: no events
                return None
            return self._json(200, {"kind": "RiskMonitorList", "apiVersion": gv,
                                    "metadata": {"resourceVersion": "1"}, "items": []})
        return self._json(404, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound", "code": 404})


def test_operator_probes_read_only(images, tmp_path):
    api = KubeAPI()
    thread = threading.Thread(target=api.serve_forever, daemon=True)
    thread.start()
    try:
        kubeconfig = tmp_path / "kubeconfig"
        kubeconfig.write_text(json.dumps({
            "apiVersion": "v1", "kind": "Config", "current-context": "test",
            "clusters": [{"name": "test", "cluster": {"server": f"http://127.0.0.1:{api.server_port}"}}],
            "contexts": [{"name": "test", "context": {"cluster": "test", "user": "test"}}],
            "users": [{"name": "test", "user": {"token": "not-a-secret"}}],
        }))
        kubeconfig.chmod(0o644)
        probe, metrics = free_port(), free_port()
        args = [*HARDENED, "--network", "host", "-v", f"{kubeconfig}:/kube/config:ro"]
        with container(images["risk-monitor-operator"], "--kubeconfig", "/kube/config",
                       f"--health-probe-bind-address=127.0.0.1:{probe}", f"--metrics-bind-address=127.0.0.1:{metrics}",
                       run_args=args) as op:
            wait_http(f"http://127.0.0.1:{probe}/healthz", 60)
            wait_http(f"http://127.0.0.1:{probe}/readyz", 60)
            status, body = wait_http(f"http://127.0.0.1:{metrics}/metrics", 30)
            assert b"controller_runtime" in body
            state = json.loads(run(["docker", "inspect", op]).stdout)[0]["State"]
            assert state["Running"], state
        assert any(p.startswith(f"/apis/{KubeAPI.GROUP}/{KubeAPI.VERSION}/riskmonitors") for p in api.requests), api.requests
    finally:
        api.closing.set()
        api.shutdown()

    version = run(["docker", "run", "--rm", *HARDENED, "--network", "none", images["risk-monitor-operator"], "--version"])
    assert version.stdout.startswith("risk-monitor-operator 0.0.0-it (go1.24"), version.stdout
    assert "linux/amd64" in version.stdout


def test_arm64_api_under_qemu(images):
    ref = images["patient-risk-python-api"]
    imported = run(["docker", "run", "--rm", "--platform", "linux/arm64", *HARDENED, "--network", "none",
                    "--entrypoint", "python3", ref, "-c", "import platform, patient_signal, patient_signal._native as n; print(platform.machine(), n.__file__)"],
                   timeout=300)
    assert imported.stdout.startswith("aarch64 "), imported.stdout
    # Serving on arm64 (health, readiness, uid, writable paths): test_runtime_platforms.py.
