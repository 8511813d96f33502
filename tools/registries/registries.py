#!/usr/bin/env python3
"""Loopback package registries with real authentication (make registries/*).

  registries.py up        install (pinned, under $STATE_DIR), make credentials, start, print `NAME URL`
  registries.py down      stop the registries this script started (by their pid files)
  registries.py status    one `NAME URL state` line per registry (exit 1 if one is down)
  registries.py urls      `NAME URL` lines (no check)

Registries (each binds to 127.0.0.1 and requires credentials on every read):
  pypi   pypiserver, htpasswd (user/password)           secrets uv_index_username, uv_index_password
  npm    verdaccio 6.8, htpasswd user + login token       secret  npm_token
  cargo  cargo_registry.py (sparse, auth-required)        secret  cargo_registry_token
  conan  conan_server 2, [users] + authenticated reads     secrets conan_login_username, conan_password

Credentials are generated once per machine into $STATE_DIR/registries/credentials/<secret id>
(0600, the directory 0700): builds pass them as `--secret id=<id>,src=<that file>`.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
STATE_DIR = Path(os.environ.get("STATE_DIR", "/var/lib/patient-risk"))
ROOT = STATE_DIR / "registries"
CREDS = ROOT / "credentials"
RUN = ROOT / "run"
LOG = ROOT / "log"
VENV = STATE_DIR / "venv" / "registries"
NODE_PREFIX = ROOT / "verdaccio-install"
VERDACCIO_VERSION = "6.8.0"

PORTS = {
    "pypi": int(os.environ.get("REGISTRY_PYPI_PORT", "5301")),
    "npm": int(os.environ.get("REGISTRY_NPM_PORT", "5302")),
    "cargo": int(os.environ.get("REGISTRY_CARGO_PORT", "5303")),
    "conan": int(os.environ.get("REGISTRY_CONAN_PORT", "5304")),
}
NAMES = ["pypi", "npm", "cargo", "conan"]


def url(name: str) -> str:
    """The URL a client is configured with (printed by `up`)."""
    p = PORTS[name]
    return {
        "pypi": f"http://127.0.0.1:{p}/simple/",
        "npm": f"http://127.0.0.1:{p}/",
        "cargo": f"sparse+http://127.0.0.1:{p}/index/",
        "conan": f"http://127.0.0.1:{p}",
    }[name]


def probe_url(name: str) -> str:
    """A URL under the registry that needs credentials (401/403 without them)."""
    p = PORTS[name]
    return {
        "pypi": f"http://127.0.0.1:{p}/simple/",
        # verdaccio answers its root with 404 (no web UI); a package document needs a login.
        "npm": f"http://127.0.0.1:{p}/patient-monitor-ui-core",
        "cargo": f"http://127.0.0.1:{p}/index/config.json",
        "conan": f"http://127.0.0.1:{p}/v2/users/check_credentials",
    }[name]


def die(msg: str) -> None:
    print(f"registries: error: {msg}", file=sys.stderr)
    sys.exit(1)


def log(msg: str) -> None:
    print(f"registries: {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- credentials


def credential(secret_id: str, make=None) -> str:
    """The credential stored under secret id `secret_id`, made once (0600)."""
    CREDS.mkdir(parents=True, exist_ok=True)
    os.chmod(CREDS, 0o700)
    f = CREDS / secret_id
    if f.exists() and f.read_text().strip():
        os.chmod(f, 0o600)
        return f.read_text().strip()
    value = make() if make else secrets.token_urlsafe(24)
    write_secret(f, value)
    return value


def write_secret(f: Path, value: str) -> None:
    fd = os.open(f.with_suffix(".tmp"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(value)
    os.replace(f.with_suffix(".tmp"), f)
    os.chmod(f, 0o600)


def users() -> dict[str, tuple[str, str]]:
    # User names carry a per-machine suffix too: nothing about the login is guessable.
    suffix = lambda: secrets.token_hex(4)  # noqa: E731
    return {
        "pypi": (credential("uv_index_username", lambda: f"uv-{suffix()}"), credential("uv_index_password")),
        "npm": (credential("npm_username", lambda: f"npm-{suffix()}"), credential("npm_password")),
        "conan": (credential("conan_login_username", lambda: f"conan{suffix()}"), credential("conan_password")),
    }


def private_file(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_secret(path, text)


# ---------------------------------------------------------------- install


def install() -> None:
    req = HERE / "requirements.txt"
    stamp = VENV / ".requirements"
    if not (stamp.exists() and stamp.read_text() == req.read_text()):
        log(f"installing pypiserver + conan-server into {VENV}")
        subprocess.run(["rm", "-rf", str(VENV)], check=True)
        subprocess.run(["/usr/bin/python3", "-m", "venv", str(VENV)], check=True)
        subprocess.run(
            [str(VENV / "bin/pip"), "install", "-q", "--disable-pip-version-check", "--no-deps", "-r", str(req)],
            check=True,
        )
        stamp.write_text(req.read_text())
    pkg = NODE_PREFIX / "node_modules/verdaccio/package.json"
    if not (pkg.exists() and json.loads(pkg.read_text())["version"] == VERDACCIO_VERSION):
        log(f"installing verdaccio {VERDACCIO_VERSION} into {NODE_PREFIX}")
        NODE_PREFIX.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["npm", "install", "--prefix", str(NODE_PREFIX), "--no-fund", "--no-audit", "--save-exact",
             f"verdaccio@{VERDACCIO_VERSION}"],
            check=True, stdout=subprocess.DEVNULL,
        )


# ---------------------------------------------------------------- configs


def htpasswd(path: Path, user: str, password: str) -> None:
    """An Apache htpasswd line (apr1-md5), readable by pypiserver and verdaccio."""
    code = (
        "import sys; from passlib.hash import apr_md5_crypt; "
        "print(sys.argv[1] + ':' + apr_md5_crypt.hash(sys.argv[2]))"
    )
    line = subprocess.run(
        [str(VENV / "bin/python"), "-c", code, user, password], check=True, capture_output=True, text=True
    ).stdout
    private_file(path, line)


def configure(u: dict[str, tuple[str, str]]) -> None:
    # pypi
    (ROOT / "pypi/packages").mkdir(parents=True, exist_ok=True)
    if not (ROOT / "pypi/htpasswd").exists():
        htpasswd(ROOT / "pypi/htpasswd", *u["pypi"])
    # npm (verdaccio)
    (ROOT / "npm/storage").mkdir(parents=True, exist_ok=True)
    if not (ROOT / "npm/htpasswd").exists():
        htpasswd(ROOT / "npm/htpasswd", *u["npm"])
    cfg = f"""# written by tools/registries/registries.py
storage: {ROOT}/npm/storage
auth:
  htpasswd:
    file: {ROOT}/npm/htpasswd
    max_users: -1
uplinks:
  npmjs:
    url: https://registry.npmjs.org/
    timeout: 60s
packages:
  # The team's own packages never come from the public registry (no dependency confusion).
  'patient-monitor-*':
    access: $authenticated
    publish: $authenticated
    unpublish: $authenticated
  '**':
    access: $authenticated
    publish: $authenticated
    proxy: npmjs
listen: 127.0.0.1:{PORTS['npm']}
web:
  enable: false
server:
  keepAliveTimeout: 60
publish:
  allow_offline: true
log: {{ type: stdout, format: pretty, level: warn }}
"""
    private_file(ROOT / "npm/config.yaml", cfg)
    # conan
    cuser, cpass = u["conan"]
    conan_dir = ROOT / "conan"
    (conan_dir / "data").mkdir(parents=True, exist_ok=True)
    jwt = credential("conan_server_jwt_secret")
    updown = credential("conan_server_updown_secret")
    conf = f"""[server]
jwt_secret: {jwt}
jwt_expire_minutes: 120
ssl_enabled: False
port: {PORTS['conan']}
public_port:
host_name: 127.0.0.1
authorize_timeout: 1800
disk_storage_path: {conan_dir}/data
disk_authorize_timeout: 1800
updown_secret: {updown}

[write_permissions]
*/*@*/*: {cuser}

[read_permissions]
# `?` = any authenticated user: anonymous reads are refused.
*/*@*/*: ?

[users]
{cuser}: {cpass}
"""
    private_file(conan_dir / "server.conf", conf)
    # cargo
    credential("cargo_registry_token")
    (ROOT / "cargo").mkdir(parents=True, exist_ok=True)


# ---------------------------------------------------------------- processes


def command(name: str) -> list[str]:
    if name == "pypi":
        return [
            str(VENV / "bin/pypi-server"), "run",
            "--host", "127.0.0.1", "--port", str(PORTS["pypi"]),
            "--passwords", str(ROOT / "pypi/htpasswd"),
            "--authenticate", "download,list,update",
            "--server", "auto",  # picks waitress (pinned in requirements.txt)
            # Not found here → redirect to PyPI (a Nexus-style group: hosted + proxy).
            "--fallback-url", "https://pypi.org/simple/",
            str(ROOT / "pypi/packages"),
        ]
    if name == "npm":
        return ["node", str(NODE_PREFIX / "node_modules/verdaccio/bin/verdaccio"),
                "--config", str(ROOT / "npm/config.yaml")]
    if name == "cargo":
        return [str(VENV / "bin/python"), str(HERE / "cargo_registry.py"),
                "--root", str(ROOT / "cargo"), "--token-file", str(CREDS / "cargo_registry_token"),
                "--listen", f"127.0.0.1:{PORTS['cargo']}"]
    if name == "conan":
        # conan_server's own launcher binds 0.0.0.0: start its app on loopback instead.
        code = (
            "import sys; from conans.server.launcher import ServerLauncher; "
            "ServerLauncher(server_dir=sys.argv[1]).server.run(host='127.0.0.1')"
        )
        return [str(VENV / "bin/python"), "-c", code, str(ROOT / "conan")]
    raise KeyError(name)


def pid_of(name: str) -> int | None:
    f = RUN / f"{name}.pid"
    if not f.exists():
        return None
    try:
        pid = int(f.read_text().split()[0])
        os.kill(pid, 0)
    except (ValueError, ProcessLookupError, IndexError):
        return None
    # Only a process this script started: it runs in the registries' state dir (verdaccio
    # retitles itself, so its command line cannot tell).
    try:
        cwd = os.readlink(f"/proc/{pid}/cwd")
    except OSError:
        return None
    return pid if cwd == str(ROOT) else None


def answer(u: str, auth: str | None = None) -> int:
    req = urllib.request.Request(u)
    if auth:
        req.add_header("Authorization", auth)
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except (urllib.error.URLError, OSError):
        return 0


def start(name: str) -> None:
    if pid_of(name):
        return
    if answer(probe_url(name)) != 0:
        die(f"{name}: port {PORTS[name]} already answers, but not from a registry this script started "
            f"(no live pid in {RUN / (name + '.pid')}): stop that process or set REGISTRY_{name.upper()}_PORT")
    RUN.mkdir(parents=True, exist_ok=True)
    LOG.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env["CONAN_SERVER_HOME"] = str(ROOT / "conan")
    env.setdefault("NODE_EXTRA_CA_CERTS", "/etc/ssl/certs/ca-certificates.crt")
    with open(LOG / f"{name}.log", "ab") as out:
        p = subprocess.Popen(command(name), stdout=out, stderr=out, stdin=subprocess.DEVNULL,
                             start_new_session=True, env=env, cwd=str(ROOT))
    (RUN / f"{name}.pid").write_text(f"{p.pid}\n")
    deadline = time.time() + 60
    while time.time() < deadline:
        if p.poll() is not None:
            die(f"{name} exited with {p.returncode}; see {LOG / (name + '.log')}")
        if answer(probe_url(name)) in (401, 403):
            return
        time.sleep(0.5)
    die(f"{name} did not answer on {probe_url(name)} within 60 s; see {LOG / (name + '.log')}")


def stop(name: str) -> None:
    pid = pid_of(name)
    if pid:
        os.killpg(pid, signal.SIGTERM)
        for _ in range(50):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
        else:
            os.killpg(pid, signal.SIGKILL)
    (RUN / f"{name}.pid").unlink(missing_ok=True)


# ---------------------------------------------------------------- npm token


def npm_token(user: str, password: str) -> str:
    """The npm token: kept if verdaccio still accepts it, else a fresh login (CouchDB user API)."""
    f = CREDS / "npm_token"
    base = f"http://127.0.0.1:{PORTS['npm']}"
    if f.exists() and f.read_text().strip():
        tok = f.read_text().strip()
        req = urllib.request.Request(f"{base}/-/whoami", headers={"Authorization": f"Bearer {tok}"})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                if json.load(r).get("username") == user:
                    return tok
        except urllib.error.HTTPError:
            pass
    body = json.dumps({"name": user, "password": password}).encode()
    basic = base64.b64encode(f"{user}:{password}".encode()).decode()
    req = urllib.request.Request(
        f"{base}/-/user/org.couchdb.user:{user}", data=body, method="PUT",
        headers={"Content-Type": "application/json", "Authorization": f"Basic {basic}"},
    )
    try:
        with urllib.request.urlopen(req, timeout=20) as r:
            tok = json.load(r).get("token", "")
    except urllib.error.HTTPError as e:
        die(f"verdaccio login for {user} failed: HTTP {e.code} {e.read()[:200]!r}")
    if not tok:
        die("verdaccio login answered without a token")
    write_secret(f, tok)
    return tok


# ---------------------------------------------------------------- commands


def cmd_up() -> int:
    install()
    u = users()
    configure(u)
    for n in NAMES:
        start(n)
    npm_token(*u["npm"])
    for n in NAMES:
        code = answer(probe_url(n))
        if code not in (401, 403):
            die(f"{n}: {probe_url(n)} answered {code} without credentials (want 401/403)")
        print(f"{n} {url(n)}")
    return 0


def cmd_down() -> int:
    for n in NAMES:
        stop(n)
    log("stopped")
    return 0


def cmd_status() -> int:
    bad = 0
    for n in NAMES:
        pid = pid_of(n)
        code = answer(probe_url(n)) if pid else 0
        state = f"up (pid {pid}, {code} without credentials)" if pid and code in (401, 403) else "down"
        bad |= state == "down"
        print(f"{n} {url(n)} {state}")
    return 1 if bad else 0


def main(argv: list[str]) -> int:
    cmds = {"up": cmd_up, "down": cmd_down, "status": cmd_status,
            "urls": lambda: [print(f"{n} {url(n)}") for n in NAMES] and 0}
    if len(argv) != 2 or argv[1] not in cmds:
        print(__doc__, file=sys.stderr)
        return 2
    return cmds[argv[1]]() or 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
