"""mk/demo.mk's contract that needs no running demo: `make help` lines, the OFFLINE_BASES switch,
and the early refusal of a taken web port."""

from __future__ import annotations

import socket

from conftest import DEMO_PROJECT, PREREQUISITES, run

# The prerequisites (engine, bases, frontend) are taken as done: these checks come before any build.
NO_PREREQUISITES = [arg for target in PREREQUISITES for arg in ("-o", target)]


def test_makefile_lists_every_demo_target_with_a_description() -> None:
    out = run(["make", "--no-print-directory", "help"]).stdout
    for target in ("demo/run", "demo/logs", "demo/stop", "demo/reset", "storage/up", "storage/check",
                   "storage/down", "demo/check/storage"):
        line = next((l for l in out.splitlines() if l.split() and l.split()[0] == target), None)
        assert line is not None, f"`make help` does not list {target}"
        assert len(line.split()) > 2, f"{target} has no description: {line!r}"


def test_offline_switch_rejects_a_bad_value() -> None:
    result = run(["make", "--no-print-directory", "demo/run", "OFFLINE_BASES=sometimes", *NO_PREREQUISITES], check=False)
    assert result.returncode != 0
    assert "OFFLINE_BASES=sometimes is not valid; use auto, yes or no" in result.stderr


def test_demo_run_refuses_a_web_port_taken_by_something_else() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run(["make", "--no-print-directory", "demo/run", f"WEB_PORT={port}", f"DEMO_PROJECT={DEMO_PROJECT}-port",
                      *NO_PREREQUISITES], check=False)
    assert result.returncode != 0
    assert f"demo/run: http://127.0.0.1:{port} is already taken by something other than this demo" in result.stderr
    assert "make demo/run WEB_PORT=" in result.stderr
    # Refused before building or starting anything.
    assert run(["docker", "ps", "--all", "--quiet", "--filter",
                f"label=com.docker.compose.project={DEMO_PROJECT}-port"]).stdout.strip() == ""
