"""compose.demo.yml: valid for `docker compose config`, valid against the Compose Specification's
JSON schema, and shaped as the demo needs (health-ordered start, named volume, frontend builds)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from conftest import COMPOSE_FILE, REPO_ROOT, run

# The schema `docker compose` 2.26 itself validates with ships in compose-go (a Go module).
SCHEMA_MODULE = os.environ.get("DEMO_COMPOSE_SCHEMA_MODULE", "github.com/compose-spec/compose-go/v2@v2.0.2")
SERVICES = {"postgres", "redis", "api", "web", "signal-device-simulator"}


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    info = json.loads(run(["go", "mod", "download", "-json", SCHEMA_MODULE], timeout=300).stdout)
    path = Path(info["Dir"]) / "schema" / "compose-spec.json"
    assert path.is_file(), f"{SCHEMA_MODULE} has no schema/compose-spec.json (got {info['Dir']})"
    return json.loads(path.read_text("utf-8"))


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text("utf-8"))


def resolved(env: dict[str, str] | None = None) -> dict[str, Any]:
    """`docker compose config --format json` with only the given variables set."""
    clean = {k: v for k, v in os.environ.items()
             if k not in ("POSTGRES_IMAGE", "REDIS_IMAGE", "BASE_IMAGES", "WEB_PORT", "WEB_BIND", "FRONTEND_IMAGE")}
    result = run(["env", "-i", *[f"{k}={v}" for k, v in {**clean, **(env or {})}.items()],
                  "docker", "compose", "-f", str(COMPOSE_FILE), "config", "--format", "json"])
    return json.loads(result.stdout)


def schema_errors(schema: dict[str, Any], document: Any) -> list[str]:
    validator = jsonschema.Draft201909Validator(schema, format_checker=jsonschema.Draft201909Validator.FORMAT_CHECKER)
    return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
            for e in sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))]


def test_docker_compose_config_accepts_the_file() -> None:
    result = run(["docker", "compose", "-f", str(COMPOSE_FILE), "config", "--quiet"])
    assert result.stderr.strip() == "", result.stderr


def test_the_file_and_its_resolved_form_pass_the_compose_spec_schema(schema, raw) -> None:
    assert schema_errors(schema, raw) == []
    assert schema_errors(schema, resolved()) == []


def test_the_schema_check_catches_a_misspelt_key(schema, raw) -> None:
    broken = json.loads(json.dumps(raw))
    broken["services"]["api"]["depends_on"]["postgres"]["conditon"] = "service_healthy"
    broken["services"]["web"]["healthcheck"]["interval"] = ["10s"]
    errors = schema_errors(schema, broken)
    assert any("conditon" in e for e in errors), errors
    assert any(e.startswith("services/web/healthcheck/interval") for e in errors), errors


def test_services_and_start_order_by_health(raw) -> None:
    services = raw["services"]
    assert set(services) == SERVICES
    def needs(service: str) -> dict[str, str]:
        return {name: dep["condition"] for name, dep in services[service]["depends_on"].items()}
    assert needs("api") == {"postgres": "service_healthy", "redis": "service_healthy"}
    assert needs("web") == {"api": "service_healthy"}
    assert needs("signal-device-simulator") == {"api": "service_healthy"}
    for name in ("postgres", "redis", "api", "web"):
        test = services[name]["healthcheck"]["test"]
        assert test[0] in ("CMD", "CMD-SHELL"), (name, test)
    assert "pg_isready" in services["postgres"]["healthcheck"]["test"]
    assert "redis-cli" in " ".join(services["redis"]["healthcheck"]["test"])
    assert "/readyz" in " ".join(services["api"]["healthcheck"]["test"])
    assert "/readyz" in " ".join(services["web"]["healthcheck"]["test"])


def test_no_sleeps_order_the_start() -> None:
    text = COMPOSE_FILE.read_text("utf-8")
    assert not re.search(r"\bsleep\b", text), "ordering must come from healthchecks, not sleeps"


def test_api_health_probe_runs_with_what_the_image_has(raw) -> None:
    # python-runtime has Python and no curl/wget: the probe must be Python's urllib.
    test = raw["services"]["api"]["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python3", "-c"], test
    assert "urllib.request" in test[3]
    assert not any(tool in " ".join(test) for tool in ("curl", "wget"))


def test_api_and_web_build_the_local_runtime_target_through_the_frontend(raw) -> None:
    config = resolved({"BASE_IMAGES": "local", "FRONTEND_IMAGE": "example.invalid/frontend:1"})
    for name, spec in (("api", "apps/patient-risk-python-api/Dockerfile"), ("web", "apps/patient-risk-web/Dockerfile")):
        build = config["services"][name]["build"]
        assert build["dockerfile"] == spec
        assert Path(build["context"]) == REPO_ROOT
        assert build["target"] == "local-runtime"
        assert build["args"]["BASE_IMAGES"] == "local"
        assert build["args"]["BUILDKIT_SYNTAX"] == "example.invalid/frontend:1"
        assert [s["source"] for s in build["secrets"]] == ["host_ca_bundle"]
        assert config["services"][name]["image"] == f"patient-risk/{spec.split('/')[1]}:local-runtime"
        assert (REPO_ROOT / spec).read_text("utf-8").startswith("# syntax=")
    assert config["secrets"]["host_ca_bundle"]["file"] == "/etc/ssl/certs/ca-certificates.crt"
    # The simulator runs the API's image and never pulls it.
    sim = config["services"]["signal-device-simulator"]
    assert sim["image"] == config["services"]["api"]["image"]
    assert sim["pull_policy"] == "never"
    assert "build" not in sim


def test_api_runs_postgres_redis_and_migrates_before_serving(raw) -> None:
    env = resolved()["services"]["api"]["environment"]
    assert env["PATIENT_RISK_STORAGE_BACKEND"] == "postgres-redis"
    assert env["PATIENT_RISK_MIGRATE_ON_START"] == "true"
    assert env["PATIENT_RISK_DATABASE_URL"].startswith("postgresql://patient_risk:")
    assert env["PATIENT_RISK_DATABASE_URL"].endswith("@postgres:5432/patient_risk")
    assert env["PATIENT_RISK_REDIS_URL"] == "redis://redis:6379/0"


def test_upstream_images_by_default_and_env_overrides() -> None:
    default = resolved()
    assert default["services"]["postgres"]["image"] == "docker.io/library/postgres:17-bookworm"
    assert default["services"]["redis"]["image"] == "docker.io/library/redis:7-bookworm"
    assert default["services"]["api"]["build"]["args"]["BASE_IMAGES"] == "upstream"
    ports = default["services"]["web"]["ports"]
    assert [(p["host_ip"], p["published"], p["target"]) for p in ports] == [("127.0.0.1", "8080", 8080)]
    local = resolved({"POSTGRES_IMAGE": "127.0.0.1:5000/patient-risk/bases/postgres:local",
                      "REDIS_IMAGE": "127.0.0.1:5000/patient-risk/bases/redis:local", "WEB_PORT": "18080"})
    assert local["services"]["postgres"]["image"] == "127.0.0.1:5000/patient-risk/bases/postgres:local"
    assert local["services"]["redis"]["image"] == "127.0.0.1:5000/patient-risk/bases/redis:local"
    assert local["services"]["web"]["ports"][0]["published"] == "18080"


def test_postgres_and_redis_data_live_in_named_volumes(raw) -> None:
    config = resolved()
    mounts = {name: [(v["type"], v.get("source"), v["target"]) for v in config["services"][name].get("volumes", [])]
              for name in ("postgres", "redis")}
    assert mounts["postgres"] == [("volume", "pgdata", "/var/lib/postgresql/data")]
    assert mounts["redis"] == [("volume", "redis-data", "/data")]
    assert set(config["volumes"]) == {"pgdata", "redis-data"}
    # Storage is published on loopback only.
    for name in ("postgres", "redis"):
        assert all(p["host_ip"] == "127.0.0.1" for p in config["services"][name]["ports"])
