"""`viche run` as a service manager (or a person at a terminal) runs it: a process of its own, stopped by a
signal. It stops with exit code 0 and nothing alarming on stderr; in sandbox mode it refuses to listen beyond
loopback unless told to."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from bench.bench_startup import NOISE, free_port, wait_bot_answers, wait_healthy
from tests.conftest import repo_root

STARTUP_TIMEOUT = 180  # seconds: the shared test machine can be very slow


def start(tmp_path: Path, *args: str, port: int | None = None) -> tuple[subprocess.Popen, str]:
    port = port or free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("VICHE_")}  # no token: the sandbox
    env.update(
        VICHE_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'service.db'}",
        VICHE_PORT=str(port),
        PYTHONPATH=str(repo_root()),
    )
    child = subprocess.Popen(
        [sys.executable, "-m", "viche.cli", "run", *args],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return child, f"http://127.0.0.1:{port}"


def stop(child: subprocess.Popen, number: int = signal.SIGINT) -> tuple[int, str]:
    child.send_signal(number)
    try:
        _, err = child.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        child.kill()
        _, err = child.communicate()
        raise AssertionError(f"still running 60 s after the signal; stderr:\n{err}") from None
    return child.returncode, err


def problems(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if any(word in line for word in NOISE)]


def test_ctrl_c_stops_the_running_sandbox_cleanly(tmp_path):
    """Bot polling, the chat page waiting on a long poll: Ctrl+C answers the page and exits quietly with 0.
    (It used to print uvicorn's "Exception in ASGI application … CancelledError" and aiogram's "Failed to
    fetch updates".)"""
    child, base = start(tmp_path)
    try:
        started = time.perf_counter()
        wait_healthy(child, base, started, timeout=STARTUP_TIMEOUT)
        wait_bot_answers(base, started, chat=5101, timeout=STARTUP_TIMEOUT)
        page = subprocess.Popen(
            [
                sys.executable,
                "-c",
                ("import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=60).status)"),
                f"{base}/sandbox/api/messages?chat_id=5101&since=1000000&wait=30",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # the chat page, long-polling
        time.sleep(1)
    except BaseException:
        child.kill()
        raise
    asked = time.perf_counter()
    code, stderr = stop(child)
    assert code == 0, stderr
    assert problems(stderr) == [], stderr
    assert time.perf_counter() - asked < 15
    out, err = page.communicate(timeout=30)
    assert out.strip() == "200", err  # answered before the server closed, not cut off


def test_sigterm_during_start_up_stops_cleanly(tmp_path):
    """A service manager stopping it while the bot is still being started (the API already answers)."""
    child, base = start(tmp_path)
    try:
        wait_healthy(child, base, time.perf_counter(), timeout=STARTUP_TIMEOUT)
    except BaseException:
        child.kill()
        raise
    code, stderr = stop(child, signal.SIGTERM)
    assert code == 0, stderr
    assert problems(stderr) == [], stderr


def test_the_sandbox_listens_beyond_loopback_only_when_told(tmp_path):
    """Whoever reaches the sandbox can write as any Telegram id (an owner's too): not on 0.0.0.0 by accident."""
    for host in ("0.0.0.0", "::", "192.0.2.10", "example.org"):
        child, _ = start(tmp_path, "--host", host)
        out, err = child.communicate(timeout=60)
        assert child.returncode == 2, (host, out, err)
        assert "--allow-remote-sandbox" in err and host in err
        assert not (tmp_path / "service.db").exists()  # refused before anything was done
    child, base = start(tmp_path, "--host", "0.0.0.0", "--allow-remote-sandbox")
    try:
        started = time.perf_counter()
        wait_healthy(child, base, started, timeout=STARTUP_TIMEOUT)
        with urllib.request.urlopen(f"{base}/sandbox", timeout=10) as response:
            assert response.status == 200
        wait_bot_answers(base, started, chat=5102, timeout=STARTUP_TIMEOUT)  # its bot reaches it on loopback
    finally:
        code, stderr = stop(child)
    assert code == 0, stderr


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
def test_loopback_needs_no_permission(host):
    from core.settings import Settings
    from viche.cli import sandbox_refused

    assert sandbox_refused(Settings(host=host, _env_file=None), allow_remote=False) is None
    assert sandbox_refused(Settings(host="0.0.0.0", bot_token="1:real", _env_file=None), allow_remote=False) is None
    assert "0.0.0.0" in sandbox_refused(Settings(host="0.0.0.0", _env_file=None), allow_remote=False)


def test_the_sandbox_bot_reaches_a_server_on_every_interface_by_loopback():
    from viche.runner import _reachable

    assert [_reachable(h) for h in ("0.0.0.0", "::", "::1", "127.0.0.1", "10.0.0.5")] == [
        "127.0.0.1",
        "[::1]",
        "[::1]",
        "127.0.0.1",
        "10.0.0.5",
    ]
