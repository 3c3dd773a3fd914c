"""Several viche processes on one database, as an operator runs them behind a reverse proxy: N bot replicas
(``viche run --webhook``, each with the database and the API in its process) and, optionally, one ``viche api``.
Used by the replicas test (tests/production/test_replicas.py) and benchmark (bench/bench_replicas.py); the
fake Bot API runs in the caller's process and plays Telegram and the proxy (``webhook.upstreams``).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.bench_startup import free_port

BOT_TOKEN = "1000001:test-token"
SERVICE_TOKEN = "cluster-service-token"
WEBHOOK_SECRET = "cluster-webhook-secret_0123456789"
METRICS_TOKEN = "cluster-metrics-token"
PUBLIC_URL = "https://bot.example.org/telegram/webhook"
"""What the replicas register with Telegram; the fake delivers to each replica's own address instead."""
ORGANISER = 900001
REPO = Path(__file__).resolve().parent.parent


@dataclass
class Member:
    name: str
    args: list[str]
    port: int
    log: Path
    process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def webhook_url(self) -> str:
        return f"{self.base_url}/telegram/webhook"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid


@dataclass
class Cluster:
    database_url: str
    fake_url: str
    workdir: Path
    replicas: list[Member] = field(default_factory=list)
    api: Member | None = None

    def env(self, port: int) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("VICHE_")}
        env.update(
            VICHE_DATABASE_URL=self.database_url,
            VICHE_BOT_TOKEN=BOT_TOKEN,
            VICHE_TELEGRAM_API_URL=self.fake_url,
            VICHE_SERVICE_TOKEN=SERVICE_TOKEN,
            VICHE_WEBHOOK_SECRET=WEBHOOK_SECRET,
            VICHE_METRICS_TOKEN=METRICS_TOKEN,
            VICHE_ADMINS=str(ORGANISER),
            VICHE_OWNERS=str(ORGANISER),
            VICHE_DEFAULT_LANGUAGE="en",
            VICHE_PORT=str(port),
            PYTHONPATH=str(REPO),
        )
        return env

    def add_replicas(self, count: int) -> None:
        for i in range(count):
            port = free_port()
            self.replicas.append(
                Member(f"replica-{i}", ["run", "--webhook", PUBLIC_URL], port, self.workdir / f"replica-{i}.log")
            )

    def add_api(self) -> None:
        port = free_port()
        self.api = Member("api", ["api"], port, self.workdir / "api.log")

    @property
    def members(self) -> list[Member]:
        return ([self.api] if self.api else []) + self.replicas

    def start(self, member: Member) -> None:
        with member.log.open("a") as log:
            member.process = subprocess.Popen(
                [sys.executable, "-m", "viche.cli", *member.args],
                cwd=self.workdir,
                env=self.env(member.port),
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    async def wait_healthy(self, member: Member, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(timeout=2) as client:
            while True:
                assert member.process is not None
                if member.process.poll() is not None:
                    raise RuntimeError(f"{member.name} exited: {member.log.read_text()[-3000:]}")
                try:
                    if (await client.get(f"{member.base_url}/healthz")).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{member.name}: no /healthz after {timeout} s")
                await asyncio.sleep(0.1)

    async def start_all(self) -> None:
        for member in self.members:
            self.start(member)
        await asyncio.gather(*(self.wait_healthy(m) for m in self.members))

    def kill(self, member: Member) -> None:
        """SIGKILL: no shutdown hook runs, nothing is flushed, the connections just drop."""
        assert member.process is not None
        member.process.send_signal(signal.SIGKILL)
        member.process.wait()

    async def restart(self, member: Member) -> None:
        self.start(member)
        await self.wait_healthy(member)

    def stop_all(self) -> None:
        for member in self.members:
            if member.process is not None and member.process.poll() is None:
                member.process.send_signal(signal.SIGTERM)
        for member in self.members:
            if member.process is not None:
                try:
                    member.process.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    member.process.kill()
                    member.process.wait()

    def cpu_seconds(self, member: Member) -> float:
        """User + system CPU time the process has used so far (Linux /proc)."""
        fields = Path(f"/proc/{member.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    async def metric(self, member: Member, name: str) -> float | None:
        """One unlabelled sample of the member's /metrics, or None when it does not answer."""
        try:
            async with httpx.AsyncClient(timeout=5) as client:
                response = await client.get(
                    f"{member.base_url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
                )
        except httpx.HTTPError:
            return None
        for line in response.text.splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
        return None
