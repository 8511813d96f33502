"""Service configuration from environment variables, with one clear message per bad value."""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal, TypeVar
from urllib.parse import urlsplit

Backend = Literal["memory", "postgres-redis"]
PREFIX = "PATIENT_RISK_"
T = TypeVar("T")


class ConfigError(Exception):
    """One or more environment variables are unusable; str() lists each with its fix."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid configuration:\n" + "\n".join(f"  - {p}" for p in problems))


@dataclass(frozen=True)
class Settings:
    storage_backend: Backend = "memory"
    database_url: str | None = None
    redis_url: str | None = None
    host: str = "0.0.0.0"  # noqa: S104 - a container service listens on every interface
    port: int = 8080
    log_level: str = "info"
    log_format: Literal["json", "text"] = "json"
    migrate_on_start: bool = False
    retry_after_s: int = 2
    db_connect_timeout_s: float = 3.0
    storage_wait_s: float = 60.0
    shutdown_timeout_s: float = 10.0
    sse_heartbeat_s: float = 15.0
    #: Server processes sharing the listening socket; None = auto (see ``worker_count``).
    workers: int | None = None

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL with the psycopg 3 driver spelled out for SQLAlchemy."""
        if self.database_url is None:
            raise ConfigError([f"{PREFIX}DATABASE_URL is required for the postgres-redis backend"])
        scheme, _, rest = self.database_url.partition("://")
        return f"postgresql+psycopg://{rest}" if scheme in ("postgresql", "postgres") else self.database_url


# Every variable: name (after the prefix), parser, help shown on error.
def _backend(raw: str) -> Backend:
    if raw in ("memory", "postgres-redis"):
        return raw  # type: ignore[return-value]
    raise ValueError("must be 'memory' or 'postgres-redis'")


def _bool(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off", ""):
        return False
    raise ValueError("must be true or false")


def _port(raw: str) -> int:
    port = int(raw)
    if not 1 <= port <= 65535:
        raise ValueError("must be a port number 1-65535")
    return port


def _positive_float(raw: str) -> float:
    value = float(raw)
    if not value > 0 or value == float("inf"):
        raise ValueError("must be a number > 0")
    return value


def _positive_int(raw: str) -> int:
    value = int(raw)
    if value < 1:
        raise ValueError("must be an integer >= 1")
    return value


def _workers(raw: str) -> int | None:
    if raw.strip().lower() == "auto":
        return None
    return _positive_int(raw)


def _log_level(raw: str) -> str:
    level = raw.strip().lower()
    if level not in ("debug", "info", "warning", "error", "critical"):
        raise ValueError("must be one of debug, info, warning, error, critical")
    return level


def _log_format(raw: str) -> str:
    if raw not in ("json", "text"):
        raise ValueError("must be 'json' or 'text'")
    return raw


def _url(*schemes: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        parts = urlsplit(raw)
        if parts.scheme not in schemes or not parts.hostname:
            raise ValueError(f"must be a URL like {schemes[0]}://user:password@host:port/name")
        try:
            parts.port  # noqa: B018 - raises on a non-numeric port
        except ValueError as err:
            raise ValueError(f"has a bad port ({err})") from None
        return raw

    return parse


_VARIABLES: dict[str, tuple[str, Callable[[str], object], str]] = {
    "storage_backend": ("STORAGE_BACKEND", _backend, "memory"),
    "database_url": ("DATABASE_URL", _url("postgresql", "postgres", "postgresql+psycopg"),
                     "postgresql://patient_risk:secret@postgres:5432/patient_risk"),
    "redis_url": ("REDIS_URL", _url("redis", "rediss"), "redis://redis:6379/0"),
    "host": ("HOST", str, "0.0.0.0"),
    "port": ("PORT", _port, "8080"),
    "log_level": ("LOG_LEVEL", _log_level, "info"),
    "log_format": ("LOG_FORMAT", _log_format, "json"),
    "migrate_on_start": ("MIGRATE_ON_START", _bool, "true"),
    "retry_after_s": ("RETRY_AFTER_S", _positive_int, "2"),
    "db_connect_timeout_s": ("DB_CONNECT_TIMEOUT_S", _positive_float, "3"),
    "storage_wait_s": ("STORAGE_WAIT_S", _positive_float, "60"),
    "shutdown_timeout_s": ("SHUTDOWN_TIMEOUT_S", _positive_float, "10"),
    "sse_heartbeat_s": ("SSE_HEARTBEAT_S", _positive_float, "15"),
    "workers": ("WORKERS", _workers, "auto"),
}


def variable_names() -> list[str]:
    return [PREFIX + name for name, _, _ in _VARIABLES.values()]


def load(environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from ``environ`` (default os.environ); raises ConfigError listing every problem."""
    env = os.environ if environ is None else environ
    values: dict[str, object] = {}
    problems: list[str] = []
    for attribute, (name, parse, example) in _VARIABLES.items():
        raw = env.get(PREFIX + name)
        if raw is None:
            continue
        try:
            values[attribute] = parse(raw)
        except ValueError as err:
            detail = str(err) if not str(err).startswith(("invalid literal", "could not convert")) else "is not a number"
            problems.append(f"{PREFIX}{name}={raw!r} {detail}; e.g. {PREFIX}{name}={example}")
    settings = Settings(**values)  # type: ignore[arg-type]
    if settings.storage_backend == "postgres-redis" and not problems:
        for attribute in ("database_url", "redis_url"):
            if getattr(settings, attribute) is None:
                name, _, example = _VARIABLES[attribute]
                problems.append(
                    f"{PREFIX}{name} is required when {PREFIX}STORAGE_BACKEND=postgres-redis; e.g. {PREFIX}{name}={example}"
                )
    if settings.storage_backend == "memory" and (settings.workers or 1) > 1:
        problems.append(
            f"{PREFIX}WORKERS={env.get(PREFIX + 'WORKERS')} needs {PREFIX}STORAGE_BACKEND=postgres-redis: the memory "
            f"backend lives inside one process; e.g. {PREFIX}WORKERS=1 (or auto)"
        )
    if problems:
        raise ConfigError(problems)
    return settings


def available_cpus() -> int:
    """CPUs this process may use: its affinity mask, lowered by a cgroup v2 CPU quota (a
    container started with --cpus) when there is one."""
    try:
        count = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        count = os.cpu_count() or 1
    for quota_file, period_file in (("/sys/fs/cgroup/cpu.max", None),  # cgroup v2: "<quota|max> <period>"
                                    ("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "/sys/fs/cgroup/cpu/cpu.cfs_period_us")):
        try:
            fields = open(quota_file, encoding="ascii").read().split()
            quota, period = (fields[0], fields[1]) if period_file is None else (
                fields[0], open(period_file, encoding="ascii").read().strip())
        except (OSError, IndexError):
            continue
        if quota not in ("max", "-1") and int(quota) > 0 and int(period) > 0:
            count = min(count, max(1, math.ceil(int(quota) / int(period))))
        break
    return max(1, count)


def worker_count(settings: Settings) -> int:
    """Server processes for ``serve``: 1 with the memory backend (its data lives in the
    process); else PATIENT_RISK_WORKERS, or with ``auto`` one per available CPU."""
    if settings.storage_backend == "memory":
        return 1
    return settings.workers or available_cpus()
