"""A real Kubernetes control plane on loopback for the operator's integration tests (issue 16).

etcd (Debian's etcd-server) and kube-apiserver (built from the Kubernetes sources by
`make operator/apiserver`) start once per session on free 127.0.0.1 ports, with:
- a serving certificate and a service-account signing key made here with openssl;
- an admin user from a static token file (the tests' own client, group system:masters);
- RBAC authorization only, and an audit log of every request (Metadata level), which the RBAC
  test reads to prove the operator was never refused anything.
The operator runs as the service account `risk-monitor-operator`, bound only to the roles in
apps/risk-monitor-operator/config/rbac/, authenticating with a token from the TokenRequest API.

Environment (set by `make test/integration/operator`): REPO_ROOT, KUBE_APISERVER, KUBE_VERSION,
ETCD_VERSION, OPERATOR_BIN, OPERATOR_IMAGE, API_IMAGE, POSTGRES_IMAGE, REDIS_IMAGE.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import signal
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml


def need_env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise pytest.UsageError(f"{name} is not set: run these tests with `make test/integration/operator`")
    return value


REPO_ROOT = Path(os.environ.get("REPO_ROOT", Path(__file__).resolve().parents[2]))
OPERATOR_DIR = REPO_ROOT / "apps/risk-monitor-operator"
CRD_FILE = OPERATOR_DIR / "config/crd/bases/monitoring.patient-risk.io_riskmonitors.yaml"
RBAC_DIR = OPERATOR_DIR / "config/rbac"
GROUP, VERSION = "monitoring.patient-risk.io", "v1alpha1"
RM_PATH = f"/apis/{GROUP}/{VERSION}"
LEASE_NAME = "risk-monitor-operator.monitoring.patient-risk.io"
SA_NAMESPACE, SA_NAME = "patient-risk-system", "risk-monitor-operator"
SA_USER = f"system:serviceaccount:{SA_NAMESPACE}:{SA_NAME}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(cmd: list[str], timeout: float = 300, check: bool = True, **kw) -> subprocess.CompletedProcess:
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False, **kw)
    if check and result.returncode != 0:
        raise AssertionError(f"command failed (exit {result.returncode}): {' '.join(cmd)}\n"
                             f"--- stdout\n{result.stdout[-4000:]}\n--- stderr\n{result.stderr[-4000:]}")
    return result


def wait_for(what: str, probe, timeout: float, interval: float = 0.5):
    """Call `probe` until it returns something truthy; fail naming `what` and the last value."""
    end = time.monotonic() + timeout
    last = None
    while time.monotonic() < end:
        try:
            last = probe()
        except (OSError, urllib.error.URLError, AssertionError, KeyError) as err:
            last = err
        else:
            if last:
                return last
        time.sleep(interval)
    raise AssertionError(f"{what}: not within {timeout}s; last: {last!r}")


def http_get(url: str, timeout: float = 5) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


class KubeError(AssertionError):
    def __init__(self, method: str, path: str, code: int, body: str):
        super().__init__(f"{method} {path}: HTTP {code}: {body[:600]}")
        self.code = code


class Kube:
    """A minimal Kubernetes REST client (JSON over HTTPS, bearer token, our CA)."""

    def __init__(self, server: str, ca_file: Path, token: str):
        self.server, self.token = server, token
        self.ctx = ssl.create_default_context(cafile=str(ca_file))

    def request(self, method: str, path: str, body=None, content_type: str = "application/json"):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.server + path, data=data, method=method)
        req.add_header("Authorization", f"Bearer {self.token}")
        req.add_header("Accept", "application/json")
        if data is not None:
            req.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(req, context=self.ctx, timeout=30) as resp:
                text = resp.read().decode()
        except urllib.error.HTTPError as err:
            raise KubeError(method, path, err.code, err.read().decode()) from None
        return json.loads(text) if text else None

    def get(self, path):
        return self.request("GET", path)

    def create(self, path, body):
        return self.request("POST", path, body)

    def merge_patch(self, path, body):
        return self.request("PATCH", path, body, "application/merge-patch+json")

    def delete(self, path):
        return self.request("DELETE", path)

    def apply_manifest(self, doc: dict, namespace: str | None = None) -> dict:
        """Create one object from a manifest (the kinds these tests use)."""
        kind = doc["kind"]
        paths = {
            "CustomResourceDefinition": "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
            "ClusterRole": "/apis/rbac.authorization.k8s.io/v1/clusterroles",
            "ClusterRoleBinding": "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
            "Namespace": "/api/v1/namespaces",
            "Role": f"/apis/rbac.authorization.k8s.io/v1/namespaces/{namespace}/roles",
            "RoleBinding": f"/apis/rbac.authorization.k8s.io/v1/namespaces/{namespace}/rolebindings",
            "ServiceAccount": f"/api/v1/namespaces/{namespace}/serviceaccounts",
            "RiskMonitor": f"{RM_PATH}/namespaces/{namespace}/riskmonitors",
        }
        return self.create(paths[kind], doc)


def openssl(*args: str, cwd: Path) -> None:
    run(["openssl", *args], cwd=cwd)


def make_pki(d: Path) -> None:
    """CA, a serving certificate for 127.0.0.1/localhost, and the service-account key pair."""
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=patient-risk-operator-it-ca",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            "-keyout", "ca.key", "-out", "ca.crt", cwd=d)
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=kube-apiserver", "-keyout", "serving.key",
            "-out", "serving.csr", cwd=d)
    (d / "serving.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                                   "extendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n")
    openssl("x509", "-req", "-in", "serving.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
            "-days", "2", "-extfile", "serving.ext", "-out", "serving.crt", cwd=d)
    openssl("genrsa", "-out", "sa.key", "2048", cwd=d)
    openssl("rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub", cwd=d)


@dataclass
class Process:
    name: str
    proc: subprocess.Popen
    log: Path

    def tail(self, n: int = 60) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        return self.proc.returncode


def start(name: str, cmd: list[str], log: Path, env: dict | None = None) -> Process:
    out = open(log, "wb")  # noqa: SIM115 - kept open for the process's lifetime
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            env={**os.environ, **(env or {})})
    return Process(name, proc, log)


@dataclass
class Cluster:
    dir: Path
    server: str
    admin: Kube
    etcd: Process
    apiserver: Process
    audit_log: Path
    sa_token: str = ""
    kubeconfig: Path = field(default_factory=Path)

    def audit_events(self) -> list[dict]:
        events = []
        for line in self.audit_log.read_text().splitlines():
            if line.strip():
                events.append(json.loads(line))
        return events

    def as_sa(self) -> Kube:
        return Kube(self.server, self.dir / "ca.crt", self.sa_token)


@pytest.fixture(scope="session")
def cluster(tmp_path_factory) -> Cluster:
    """etcd + kube-apiserver on loopback, the CRD and RBAC from config/ applied, and a kubeconfig
    for the operator's service account (token from the TokenRequest API)."""
    apiserver_bin = need_env("KUBE_APISERVER")
    d = tmp_path_factory.mktemp("kube")
    make_pki(d)
    admin_token = uuid.uuid4().hex
    (d / "tokens.csv").write_text(f'{admin_token},operator-it-admin,operator-it-admin,"system:masters"\n')
    (d / "audit-policy.yaml").write_text("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n")

    etcd_client, etcd_peer = free_port(), free_port()
    etcd = start("etcd", [
        "etcd", "--name", "operator-it", "--data-dir", str(d / "etcd"),
        "--listen-client-urls", f"http://127.0.0.1:{etcd_client}",
        "--advertise-client-urls", f"http://127.0.0.1:{etcd_client}",
        "--listen-peer-urls", f"http://127.0.0.1:{etcd_peer}",
        "--initial-advertise-peer-urls", f"http://127.0.0.1:{etcd_peer}",
        "--initial-cluster", f"operator-it=http://127.0.0.1:{etcd_peer}",
        "--unsafe-no-fsync", "--log-level", "warn",
    ], d / "etcd.log")
    try:
        wait_for("etcd /health", lambda: http_get(f"http://127.0.0.1:{etcd_client}/health")[0] == 200, 30)
        port = free_port()
        audit_log = d / "audit.log"
        apiserver = start("kube-apiserver", [
            apiserver_bin,
            "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", f"--secure-port={port}",
            f"--etcd-servers=http://127.0.0.1:{etcd_client}",
            f"--tls-cert-file={d / 'serving.crt'}", f"--tls-private-key-file={d / 'serving.key'}",
            f"--token-auth-file={d / 'tokens.csv'}",
            "--authorization-mode=RBAC",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            f"--service-account-key-file={d / 'sa.pub'}",
            f"--service-account-signing-key-file={d / 'sa.key'}",
            "--service-cluster-ip-range=10.96.0.0/24",  # a required setting; no traffic goes there
            "--endpoint-reconciler-type=none",
            f"--cert-dir={d / 'certs'}",
            f"--audit-policy-file={d / 'audit-policy.yaml'}", f"--audit-log-path={audit_log}",
            "--profiling=false",
        ], d / "kube-apiserver.log")
    except BaseException:
        etcd.stop()
        raise
    server = f"https://127.0.0.1:{port}"
    admin = Kube(server, d / "ca.crt", admin_token)
    c = Cluster(d, server, admin, etcd, apiserver, audit_log)
    try:
        wait_for("kube-apiserver /readyz", _readyz(admin, apiserver), 120)
        setup_operator_identity(c)
        yield c
    except BaseException:
        print(f"--- kube-apiserver log\n{apiserver.tail(80)}\n--- etcd log\n{etcd.tail(30)}")
        raise
    finally:
        apiserver.stop()
        etcd.stop()


def _readyz(admin: Kube, apiserver: Process):
    def probe():
        assert apiserver.alive(), f"kube-apiserver exited (code {apiserver.proc.returncode}):\n{apiserver.tail()}"
        req = urllib.request.Request(admin.server + "/readyz", headers={"Authorization": f"Bearer {admin.token}"})
        with urllib.request.urlopen(req, context=admin.ctx, timeout=5) as resp:
            return resp.status == 200 and resp.read() == b"ok"
    return probe


def load_yaml_docs(path: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def setup_operator_identity(c: Cluster) -> None:
    """Namespace, service account, the roles from config/rbac bound to it (and nothing else),
    a TokenRequest token and a kubeconfig that uses it."""
    admin = c.admin
    admin.apply_manifest({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": SA_NAMESPACE}})
    admin.apply_manifest({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": SA_NAME}}, SA_NAMESPACE)
    subject = [{"kind": "ServiceAccount", "name": SA_NAME, "namespace": SA_NAMESPACE}]
    for f in sorted(RBAC_DIR.glob("*.yaml")):
        for doc in load_yaml_docs(f):
            name = doc["metadata"]["name"]
            if doc["kind"] == "ClusterRole":
                admin.apply_manifest(doc)
                admin.apply_manifest({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
                                      "metadata": {"name": name}, "subjects": subject,
                                      "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": name}})
            elif doc["kind"] == "Role":
                # The leader-election Role lives in the namespace the operator is deployed to.
                admin.apply_manifest(doc, SA_NAMESPACE)
                admin.apply_manifest({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                                      "metadata": {"name": name}, "subjects": subject,
                                      "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name}},
                                     SA_NAMESPACE)
            else:
                raise AssertionError(f"{f}: unexpected kind {doc['kind']} in the RBAC directory")
    token = admin.create(f"/api/v1/namespaces/{SA_NAMESPACE}/serviceaccounts/{SA_NAME}/token",
                         {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
                          "spec": {"expirationSeconds": 7200}})["status"]["token"]
    c.sa_token = token
    c.kubeconfig = c.dir / "operator.kubeconfig"
    ca_data = base64.b64encode((c.dir / "ca.crt").read_bytes()).decode()
    c.kubeconfig.write_text(json.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": "operator-it",
        "clusters": [{"name": "it", "cluster": {"server": c.server, "certificate-authority-data": ca_data}}],
        "contexts": [{"name": "operator-it", "context": {"cluster": "it", "user": SA_NAME}}],
        "users": [{"name": SA_NAME, "user": {"token": token}}],
    }))
    c.kubeconfig.chmod(0o644)  # the operator image runs as 65532 and reads it through a bind mount


@pytest.fixture(scope="session")
def crd(cluster: Cluster) -> dict:
    """The RiskMonitor CRD from config/, installed and Established."""
    (doc,) = load_yaml_docs(CRD_FILE)
    cluster.admin.apply_manifest(doc)
    path = f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{doc['metadata']['name']}"

    def established():
        got = cluster.admin.get(path)
        # A CRD just created may carry "status": {"conditions": null} until the API server's
        # controllers have looked at it: absent and null both mean "not yet".
        conds = {c["type"]: c["status"] for c in (got.get("status") or {}).get("conditions") or []}
        return got if conds.get("Established") == "True" and conds.get("NamesAccepted") == "True" else None
    crd = wait_for("CRD Established", established, 30)
    # Discovery serves the group once the CRD is established (the operator's start-up check).
    wait_for("discovery of the RiskMonitor group", lambda: cluster.admin.get(RM_PATH), 30)
    return crd


@dataclass
class Operator:
    proc: Process
    probe_port: int
    metrics_port: int

    def metrics(self) -> str:
        status, body = http_get(f"http://127.0.0.1:{self.metrics_port}/metrics")
        assert status == 200, body[:300]
        return body

    def metric(self, metric_name: str, /, **labels: str) -> float | None:
        """The value of the first sample of `metric_name` whose labels include `labels` (None: no such sample)."""
        for line in self.metrics().splitlines():
            if line.startswith("#") or not line.strip():
                continue
            key, _, value = line.rpartition(" ")
            metric, _, label_text = key.partition("{")
            if metric != metric_name:
                continue
            have = dict(part.split("=", 1) for part in label_text.rstrip("}").split(",") if "=" in part)
            if all(have.get(k) == f'"{v}"' for k, v in labels.items()):
                return float(value)
        return None

    def log(self, n: int = 200) -> str:
        return self.proc.tail(n)


@contextlib.contextmanager
def host_operator(cluster: Cluster, *flags: str, name: str = "operator"):
    """The host-built operator binary (OPERATOR_BIN) with the service account's kubeconfig."""
    probe, metrics = free_port(), free_port()
    log = cluster.dir / f"{name}-{uuid.uuid4().hex[:6]}.log"
    proc = start(name, [need_env("OPERATOR_BIN"), "--kubeconfig", str(cluster.kubeconfig),
                        f"--health-probe-bind-address=127.0.0.1:{probe}", f"--metrics-bind-address=127.0.0.1:{metrics}",
                        *flags], log, env={"KUBECONFIG": ""})
    op = Operator(proc, probe, metrics)
    try:
        def ready():
            assert proc.alive(), f"{name} exited (code {proc.proc.returncode}):\n{proc.tail()}"
            return http_get(f"http://127.0.0.1:{probe}/readyz")[0] == 200
        wait_for(f"{name} /readyz", ready, 60)
        yield op
    except BaseException:
        print(f"--- {name} log\n{proc.tail(120)}")
        raise
    finally:
        proc.stop()


def docker(*args: str, timeout: float = 300, check: bool = True) -> subprocess.CompletedProcess:
    return run(["docker", *args], timeout=timeout, check=check)


@contextlib.contextmanager
def container(image: str, *args: str, run_args: list[str]):
    """A detached container on the host network (every server in it binds 127.0.0.1), removed after."""
    name = f"pr-operator-it-{uuid.uuid4().hex[:10]}"
    docker("run", "-d", "--name", name, "--network", "host", *run_args, image, *args)
    try:
        yield name
    except BaseException:
        logs = docker("logs", "--tail", "60", name, check=False)
        print(f"--- logs of {name} ({image})\n{logs.stdout}\n{logs.stderr}")
        raise
    finally:
        docker("rm", "-f", "-v", name, check=False)


HARDENED = ["--read-only", "--cap-drop", "ALL", "--security-opt", "no-new-privileges"]


@dataclass
class PatientRiskAPI:
    url: str


@pytest.fixture(scope="session")
def risk_api() -> PatientRiskAPI:
    """The patient-risk-python-api image on PostgreSQL + Redis (the local bases), all on loopback."""
    pg_port, redis_port, api_port = free_port(), free_port(), free_port()
    password = uuid.uuid4().hex
    with container(need_env("POSTGRES_IMAGE"), "-c", "listen_addresses=127.0.0.1", "-p", str(pg_port),
                   run_args=["-e", "POSTGRES_USER=patient_risk", "-e", f"POSTGRES_PASSWORD={password}",
                             "-e", "POSTGRES_DB=patient_risk"]) as pg, \
         container(need_env("REDIS_IMAGE"), "--bind", "127.0.0.1", "--port", str(redis_port), run_args=[]):
        wait_for("postgres ready over TCP", lambda: docker(
            "exec", pg, "pg_isready", "--host=127.0.0.1", f"--port={pg_port}", "--username=patient_risk",
            "--dbname=patient_risk", check=False).returncode == 0, 90, interval=1)
        env = {
            "PATIENT_RISK_HOST": "127.0.0.1", "PATIENT_RISK_PORT": str(api_port),
            "PATIENT_RISK_STORAGE_BACKEND": "postgres-redis",
            "PATIENT_RISK_DATABASE_URL": f"postgresql://patient_risk:{password}@127.0.0.1:{pg_port}/patient_risk",
            "PATIENT_RISK_REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
            "PATIENT_RISK_MIGRATE_ON_START": "true",
        }
        env_args = [a for k, v in env.items() for a in ("-e", f"{k}={v}")]
        with container(need_env("API_IMAGE"), run_args=[*HARDENED, *env_args]):
            url = f"http://127.0.0.1:{api_port}"
            wait_for("API /readyz", lambda: http_get(f"{url}/readyz")[0] == 200, 120, interval=1)
            yield PatientRiskAPI(url)


def post_packet(api: PatientRiskAPI, packet: dict) -> dict:
    req = urllib.request.Request(f"{api.url}/v1/signal-packets", data=json.dumps(packet).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        assert resp.status in (200, 201), resp.status
        return json.loads(resp.read())


def fixture_packet(name: str) -> dict:
    return json.loads((REPO_ROOT / "fixtures" / name).read_text())


@pytest.fixture
def namespace(cluster: Cluster, crd) -> str:
    ns = f"op-it-{uuid.uuid4().hex[:8]}"
    cluster.admin.apply_manifest({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
    return ns


def riskmonitor(name: str, api_url: str, **spec) -> dict:
    return {"apiVersion": f"{GROUP}/{VERSION}", "kind": "RiskMonitor", "metadata": {"name": name},
            "spec": {"apiURL": api_url, **spec}}


def events_for(kube: Kube, namespace: str, name: str) -> list[dict]:
    got = kube.get(f"/api/v1/namespaces/{namespace}/events?fieldSelector=involvedObject.name%3D{name}")
    return got["items"]


def condition(obj: dict, ctype: str) -> dict:
    for c in (obj.get("status") or {}).get("conditions") or []:
        if c["type"] == ctype:
            return c
    return {}

