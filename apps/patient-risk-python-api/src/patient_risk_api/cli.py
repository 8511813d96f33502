"""`patient-risk-api`: serve the API, migrate the database, print the OpenAPI document."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import uvicorn
from fastapi import FastAPI

from . import __version__, config, logs

log = logging.getLogger("patient_risk_api")


class _Server(uvicorn.Server):
    """Tells the app about SIGTERM/SIGINT at once, so open event streams end and /readyz
    reports "shutting down" while uvicorn drains the remaining requests."""

    def __init__(self, cfg: uvicorn.Config, app: FastAPI) -> None:
        super().__init__(cfg)
        self._app = app

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        shutdown = getattr(self._app.state, "shutdown", None)
        loop = getattr(self._app.state, "loop", None)
        if shutdown is not None and loop is not None:
            loop.call_soon_threadsafe(shutdown.set)
        log.info("shutdown requested", extra={"signal": sig})
        super().handle_exit(sig, frame)

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        with super().capture_signals():
            yield
            # The shutdown completed gracefully: exit 0 rather than re-raising the signal.
            captured = getattr(self, "_captured_signals", None)
            if isinstance(captured, list):
                captured.clear()


def _migrate(settings: config.Settings) -> int:
    from . import migrations

    if settings.storage_backend != "postgres-redis":
        print(
            "patient-risk-api migrate: nothing to migrate with PATIENT_RISK_STORAGE_BACKEND="
            f"{settings.storage_backend}; set PATIENT_RISK_STORAGE_BACKEND=postgres-redis and PATIENT_RISK_DATABASE_URL",
            file=sys.stderr,
        )
        return 2
    revision = migrations.upgrade(settings)
    print(f"database schema at revision {revision}")
    return 0


def _uvicorn_config(app: FastAPI | None, settings: config.Settings) -> uvicorn.Config:
    return uvicorn.Config(
        app,  # type: ignore[arg-type]
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        proxy_headers=True,
        forwarded_allow_ips="*",
        timeout_graceful_shutdown=int(settings.shutdown_timeout_s),
        lifespan="on",
        # Named, not "auto": a missing uvloop or httptools fails the start instead of quietly
        # serving on asyncio + h11 at a fraction of the speed (docs/api-load.md).
        loop="uvloop",
        http="httptools",
    )


def _serve_one(settings: config.Settings, sockets: list[socket.socket] | None = None) -> int:
    from .app import create_app

    app = create_app(settings)
    server = _Server(_uvicorn_config(app, settings), app)
    server.run(sockets=sockets)
    return 0 if server.started else 1


def _serve_workers(settings: config.Settings, workers: int) -> int:
    """``workers`` forked server processes accepting on one listening socket. SIGTERM/SIGINT
    go to every worker (each turns unready, ends its event streams and drains); exit 0 when
    all of them stopped cleanly. A worker that exits on its own stops the others and the
    server exits 1, so the supervisor (Docker, Kubernetes) restarts it whole."""
    sock = _uvicorn_config(None, settings).bind_socket()
    log.info("serving with worker processes",
             extra={"workers": workers, "host": settings.host, "port": settings.port})
    children: dict[int, int] = {}
    for index in range(workers):
        pid = os.fork()
        if pid == 0:  # the worker
            code = 1
            try:
                # Its own process group: a terminal's Ctrl-C reaches the parent only, which
                # forwards it once (a second signal would make uvicorn skip the graceful drain).
                os.setpgid(0, 0)
                code = _serve_one(settings, [sock])
            except BaseException:  # noqa: BLE001 - reported, then the worker exits 1
                log.exception("worker failed", extra={"worker": index})
            finally:
                logging.shutdown()
                os._exit(code)
        children[pid] = index
    sock.close()
    stopping = False

    def forward(sig: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        if not stopping:
            log.info("shutdown requested", extra={"signal": sig, "workers": len(children)})
        stopping = True
        for pid in list(children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    code = 0
    while children:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        index = children.pop(pid, None)
        if index is None:
            continue
        exit_code = os.waitstatus_to_exitcode(status)
        if exit_code != 0 or not stopping:
            code = 1
        if not stopping:
            log.error("worker exited; stopping the others", extra={"worker": index, "pid": pid, "exit_code": exit_code})
            forward(signal.SIGTERM, None)
    return code


def _serve(settings: config.Settings) -> int:
    if settings.migrate_on_start:
        if settings.storage_backend == "postgres-redis":
            from . import migrations

            migrations.upgrade(settings)
        else:
            log.info("PATIENT_RISK_MIGRATE_ON_START ignored: the memory backend has no schema")
    workers = config.worker_count(settings)
    if workers == 1:
        return _serve_one(settings)
    # Import the app's modules once, before the fork, so each worker starts from them.
    from . import app as _app  # noqa: F401

    return _serve_workers(settings, workers)


def _openapi(output: str | None) -> int:
    from .contract import render_openapi

    text = render_openapi()
    if output:
        Path(output).write_text(text, "utf-8")
    else:
        sys.stdout.write(text)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="patient-risk-api",
        description="Patient-risk API. Configuration comes from PATIENT_RISK_* environment variables "
        f"({', '.join(config.variable_names())}).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="serve HTTP on PATIENT_RISK_HOST:PATIENT_RISK_PORT (default 0.0.0.0:8080)")
    commands.add_parser("migrate", help="apply the Alembic migrations (idempotent; waits for the database)")
    commands.add_parser("check-config", help="validate the environment and print the effective settings")
    openapi = commands.add_parser("openapi", help="print the OpenAPI document as YAML")
    openapi.add_argument("-o", "--output", help="write to this file instead of stdout")
    args = parser.parse_args(argv)

    if args.command == "openapi":
        return _openapi(args.output)
    try:
        settings = config.load()
    except config.ConfigError as err:
        print(f"patient-risk-api: {err}", file=sys.stderr)
        return 2
    logs.configure(settings.log_level, settings.log_format)
    if args.command == "check-config":
        for key, value in vars(settings).items():
            shown = "<set>" if key in ("database_url", "redis_url") and value else value
            print(f"{key} = {shown}")
        return 0
    try:
        if args.command == "migrate":
            return _migrate(settings)
        return _serve(settings)
    except KeyboardInterrupt:
        return 130
    except Exception as err:  # noqa: BLE001 - a start-up failure is reported, not dumped
        log.exception("start-up failed", extra={"error": str(err)})
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
