"""How long `viche run` takes to start and to stop, beside a bare uvicorn app started the same way.

    python -m bench.bench_startup              # 5 rounds
    python -m bench.bench_startup --runs 9

Each round, in turn (so that both see the same machine load):

* ``viche run`` in sandbox mode (no bot token) on a fresh SQLite file, as `make run` starts it on an installed
  checkout (the migrations run first, as they do on a new database): seconds until ``GET /healthz`` answers
  200, then until the sandbox bot answers a ``/start`` typed on the chat page's API (the whole bot is up),
  then SIGINT (Ctrl+C): seconds until the process exits, its exit code, and any traceback or error on stderr;
* the reference: a FastAPI app with only ``/healthz``, under uvicorn, started the same way (a new Python
  process) — what any FastAPI service pays before it can answer.

Printed: the median and the fastest of each, and the machine's load average (the figures scale with it).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

REFERENCE = """
import sys
import uvicorn
from fastapi import FastAPI

app = FastAPI()

@app.get("/healthz")
async def healthz():
    return {"status": "ok"}

uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""
NOISE = ("Traceback", "Error", "ERROR", "Exception", "Failed")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status
    except OSError:
        return None


def _post(url: str, body: dict) -> None:
    request = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5):
        pass


def wait_healthy(child: subprocess.Popen, base: str, started: float, timeout: float = 180) -> float:
    while _get(f"{base}/healthz") != 200:
        if child.poll() is not None:
            raise RuntimeError(f"exited with {child.returncode}: {child.stderr.read() if child.stderr else ''}")
        if time.perf_counter() - started > timeout:
            raise RuntimeError("no /healthz")
        time.sleep(0.01)
    return time.perf_counter() - started


def wait_bot_answers(base: str, started: float, chat: int = 424242, timeout: float = 180) -> float:
    _post(
        f"{base}/sandbox/api/send_text",
        {"chat_id": chat, "text": "/start", "first_name": "Bench", "language_code": "en"},
    )
    while True:
        with urllib.request.urlopen(f"{base}/sandbox/api/messages?chat_id={chat}&wait=1", timeout=5) as response:
            messages = json.load(response)["messages"]
        if any(m["from"] == "bot" for m in messages):
            return time.perf_counter() - started
        if time.perf_counter() - started > timeout:
            raise RuntimeError("the bot never answered /start")


def stop(child: subprocess.Popen) -> tuple[float, int, list[str]]:
    """SIGINT, as Ctrl+C sends: seconds to exit, exit code, stderr lines that look like a problem."""
    asked = time.perf_counter()
    child.send_signal(signal.SIGINT)
    try:
        _, err = child.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        child.kill()
        _, err = child.communicate()
    return (
        time.perf_counter() - asked,
        child.returncode,
        [line for line in err.splitlines() if any(n in line for n in NOISE)],
    )


def viche_round(workdir: Path) -> dict:
    port = free_port()
    database = workdir / f"startup-{port}.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("VICHE_")}
    env.update(VICHE_DATABASE_URL=f"sqlite+aiosqlite:///{database}", VICHE_PORT=str(port), PYTHONPATH=str(ROOT))
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "viche.cli", "run"],
        cwd=workdir,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        healthz = wait_healthy(child, base, started)
        bot = wait_bot_answers(base, started)
    except BaseException:
        child.kill()
        raise
    stopping, code, noise = stop(child)
    return {"healthz": healthz, "bot": bot, "stop": stopping, "exit": code, "noise": noise}


def reference_round(workdir: Path) -> float:
    port = free_port()
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", REFERENCE, str(port)],
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        return wait_healthy(child, f"http://127.0.0.1:{port}", started)
    finally:
        child.send_signal(signal.SIGINT)
        child.communicate(timeout=30)


def _summary(values: list[float]) -> str:
    return f"median {statistics.median(values):6.2f} s   fastest {min(values):6.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    rounds, references = [], []
    with tempfile.TemporaryDirectory() as tmp:
        reference_round(Path(tmp))  # warms the file cache for both
        for run in range(args.runs):
            rounds.append(viche_round(Path(tmp)))
            references.append(reference_round(Path(tmp)))
            last = rounds[-1]
            print(
                f"round {run + 1}: viche /healthz {last['healthz']:.2f} s, bot answers {last['bot']:.2f} s, "
                f"stops in {last['stop']:.2f} s (exit {last['exit']}); bare uvicorn /healthz "
                f"{references[-1]:.2f} s",
                flush=True,
            )
    print(f"\nload average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"viche run   → /healthz        {_summary([r['healthz'] for r in rounds])}")
    print(f"viche run   → bot answers     {_summary([r['bot'] for r in rounds])}")
    print(f"bare uvicorn → /healthz       {_summary(references)}")
    print(f"viche run   Ctrl+C → exit     {_summary([r['stop'] for r in rounds])}")
    print(
        f"exit codes {sorted({r['exit'] for r in rounds})}; error lines on stderr: "
        f"{sum(len(r['noise']) for r in rounds)}"
    )
    for line in sorted({line for r in rounds for line in r["noise"]})[:10]:
        print(f"    {line}")


if __name__ == "__main__":
    main()
