from __future__ import annotations

import pytest
from patient_risk_api import config
from patient_risk_api.cli import main


def test_defaults():
    settings = config.load({})
    assert settings.storage_backend == "memory"
    assert (settings.host, settings.port) == ("0.0.0.0", 8080)
    assert settings.migrate_on_start is False


def test_postgres_redis_settings_and_driver_url():
    settings = config.load({
        "PATIENT_RISK_STORAGE_BACKEND": "postgres-redis",
        "PATIENT_RISK_DATABASE_URL": "postgresql://u:p@db:5432/risk",
        "PATIENT_RISK_REDIS_URL": "redis://cache:6379/0",
        "PATIENT_RISK_MIGRATE_ON_START": "TRUE",
        "PATIENT_RISK_PORT": "9090",
    })
    assert settings.sqlalchemy_url == "postgresql+psycopg://u:p@db:5432/risk"
    assert settings.migrate_on_start is True
    assert settings.port == 9090


def test_every_bad_value_is_reported_with_a_fix():
    with pytest.raises(config.ConfigError) as caught:
        config.load({
            "PATIENT_RISK_STORAGE_BACKEND": "sqlite",
            "PATIENT_RISK_PORT": "eighty",
            "PATIENT_RISK_MIGRATE_ON_START": "maybe",
            "PATIENT_RISK_LOG_LEVEL": "loud",
            "PATIENT_RISK_DB_CONNECT_TIMEOUT_S": "-1",
        })
    problems = caught.value.problems
    assert len(problems) == 5
    text = str(caught.value)
    assert "PATIENT_RISK_STORAGE_BACKEND='sqlite' must be 'memory' or 'postgres-redis'" in text
    assert "PATIENT_RISK_PORT='eighty' is not a number; e.g. PATIENT_RISK_PORT=8080" in text
    assert "PATIENT_RISK_MIGRATE_ON_START='maybe' must be true or false" in text
    assert "PATIENT_RISK_LOG_LEVEL='loud'" in text
    assert "PATIENT_RISK_DB_CONNECT_TIMEOUT_S='-1' must be a number > 0" in text


def test_postgres_redis_needs_both_urls():
    with pytest.raises(config.ConfigError) as caught:
        config.load({"PATIENT_RISK_STORAGE_BACKEND": "postgres-redis"})
    assert [p.split()[0] for p in caught.value.problems] == ["PATIENT_RISK_DATABASE_URL", "PATIENT_RISK_REDIS_URL"]


@pytest.mark.parametrize(("name", "value"), [
    ("PATIENT_RISK_DATABASE_URL", "mysql://db/x"),
    ("PATIENT_RISK_DATABASE_URL", "postgresql://db:port/x"),
    ("PATIENT_RISK_REDIS_URL", "cache:6379"),
    ("PATIENT_RISK_PORT", "70000"),
])
def test_bad_urls_and_ports(name, value):
    with pytest.raises(config.ConfigError, match=name):
        config.load({name: value})


def test_cli_exits_2_on_bad_config(monkeypatch, capsys):
    monkeypatch.setenv("PATIENT_RISK_PORT", "abc")
    assert main(["serve"]) == 2
    assert "PATIENT_RISK_PORT='abc'" in capsys.readouterr().err


def test_cli_migrate_refuses_the_memory_backend(monkeypatch, capsys):
    monkeypatch.delenv("PATIENT_RISK_STORAGE_BACKEND", raising=False)
    assert main(["migrate"]) == 2
    assert "nothing to migrate" in capsys.readouterr().err


def test_cli_check_config_hides_urls(monkeypatch, capsys):
    monkeypatch.setenv("PATIENT_RISK_STORAGE_BACKEND", "postgres-redis")
    monkeypatch.setenv("PATIENT_RISK_DATABASE_URL", "postgresql://u:secret@db/x")
    monkeypatch.setenv("PATIENT_RISK_REDIS_URL", "redis://cache:6379/0")
    assert main(["check-config"]) == 0
    out = capsys.readouterr().out
    assert "secret" not in out
    assert "storage_backend = postgres-redis" in out


def test_workers_setting():
    """PATIENT_RISK_WORKERS: auto (one per CPU) with postgres-redis, 1 with the memory backend,
    bad values and >1 with the memory backend refused with the fix."""
    pg = {"PATIENT_RISK_STORAGE_BACKEND": "postgres-redis", "PATIENT_RISK_DATABASE_URL": "postgresql://u@db/x",
          "PATIENT_RISK_REDIS_URL": "redis://cache:6379/0"}
    assert config.worker_count(config.load(pg)) == config.available_cpus() >= 1
    assert config.worker_count(config.load({**pg, "PATIENT_RISK_WORKERS": "3"})) == 3
    assert config.worker_count(config.load({**pg, "PATIENT_RISK_WORKERS": "auto"})) == config.available_cpus()
    assert config.worker_count(config.load({})) == 1
    assert config.worker_count(config.load({"PATIENT_RISK_WORKERS": "1"})) == 1
    with pytest.raises(config.ConfigError, match="PATIENT_RISK_WORKERS=2 needs PATIENT_RISK_STORAGE_BACKEND=postgres-redis"):
        config.load({"PATIENT_RISK_WORKERS": "2"})
    for bad in ("0", "-1", "two"):
        with pytest.raises(config.ConfigError, match=f"PATIENT_RISK_WORKERS='{bad}'"):
            config.load({**pg, "PATIENT_RISK_WORKERS": bad})
