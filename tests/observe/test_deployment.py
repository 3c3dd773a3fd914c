"""The deployment files (Dockerfile, compose.yaml, .env.example), checked without a container engine: what they
run is a real `viche` command, what they set is a real setting, and .env.example lists every setting. Where the
compose client is installed, `docker compose config` validates compose.yaml too."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
import yaml

from core.settings import Settings
from tests.conftest import repo_root
from viche.cli import parser
from viche.env_example import render

ROOT = repo_root()
ENV_NAMES = {f"VICHE_{name.upper()}" for name in Settings.model_fields}


def test_env_example_lists_every_setting():
    committed = (ROOT / ".env.example").read_text(encoding="utf-8")
    listed = set(re.findall(r"^# (VICHE_[A-Z_]+)=", committed, flags=re.MULTILINE))
    assert ENV_NAMES - listed == set(), "run `viche env-example > .env.example`"
    assert committed == render(), "run `viche env-example > .env.example`"
    # Every line is a comment or blank: copied to .env as it is, it changes nothing.
    assert all(not line or line.startswith("#") for line in committed.splitlines())


def test_env_example_check_command(tmp_path, capsys):
    stale = tmp_path / ".env.example"
    stale.write_text(render().replace("# VICHE_LOG_FORMAT=text\n", ""), encoding="utf-8")
    args = parser().parse_args(["env-example", "--check", str(stale)])
    assert args.func(args) == 1
    args = parser().parse_args(["env-example", "--check", str(ROOT / ".env.example")])
    assert args.func(args) == 0


def _dockerfile() -> list[str]:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def test_dockerfile_installs_the_lock_and_runs_unprivileged():
    lines = _dockerfile()
    stages = [line for line in lines if line.startswith("FROM ")]
    assert stages and all(line.split()[1] == "python:3.11-slim" for line in stages)
    runs = " ".join(line for line in lines if line.startswith("RUN "))
    assert "-c constraints.txt --no-build-isolation ." in runs  # the lock, as the Makefile installs
    assert "pybabel compile -D viche -d bot/i18n/locales" in runs  # catalogs compiled at build
    final = lines[lines.index(stages[-1]) :]
    users = [line.split()[1] for line in final if line.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")
    copied = {line.split()[1] for line in lines if line.startswith("COPY ") and "--from" not in line}
    packages = set(re.findall(r'"(\w+)\*"', (ROOT / "pyproject.toml").read_text(encoding="utf-8")))
    assert packages and packages <= copied, f"packages the image lacks: {packages - copied}"
    command = next(line for line in reversed(final) if line.startswith("CMD "))
    _assert_viche_command(yaml.safe_load(command.removeprefix("CMD ")))


def _assert_viche_command(command: list[str]) -> None:
    assert command[0] == "viche", command
    parser().parse_args(command[1:])  # exits (SystemExit) on an unknown command or option


def _compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))


def test_compose_runs_postgres_the_api_and_bots_behind_a_proxy():
    services = _compose()["services"]
    assert {"db", "api", "bot", "proxy"} <= services.keys()
    assert services["db"]["image"].startswith("postgres:")
    for name in ("api", "bot"):
        _assert_viche_command(services[name]["command"])
        variables = set(services[name]["environment"])
        assert {v for v in variables if v.startswith("VICHE_")} <= ENV_NAMES, variables - ENV_NAMES
    assert services["api"]["command"][1] == "api" and services["bot"]["command"][1] == "run"
    assert services["api"]["environment"]["VICHE_DATABASE_URL"].startswith("postgresql+asyncpg://")
    bot = services["bot"]["environment"]
    # Each replica a whole `viche run` on the database: they claim updates there (bot/claims.py).
    assert bot["VICHE_DATABASE_URL"] == services["api"]["environment"]["VICHE_DATABASE_URL"]
    assert "VICHE_API_URL" not in bot
    # One webhook secret for all replicas; the bots' port is the one the proxy sends to.
    assert "VICHE_WEBHOOK_SECRET" in bot and bot["VICHE_PORT"] == "8080"
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text(encoding="utf-8")
    assert "dynamic a bot 8080" in caddyfile and "/telegram/webhook" in bot["VICHE_WEBHOOK_URL"]
    assert "handle /telegram/webhook" in caddyfile
    assert services["api"]["healthcheck"]["test"][-1].count("/readyz") == 1
    assert services["bot"]["deploy"]["replicas"] == "${VICHE_BOT_REPLICAS:-2}"


def _compose_client() -> bool:
    if shutil.which("docker") is None:
        return False
    return subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0


@pytest.mark.skipif(not _compose_client(), reason="no docker compose client on this machine")
def test_docker_compose_accepts_the_file(tmp_path):
    env = tmp_path / ".env"
    env.write_text(
        "POSTGRES_PASSWORD=p\nVICHE_SERVICE_TOKEN=s\nVICHE_BOT_TOKEN=1:t\nVICHE_DOMAIN=bot.example.org\n"
        "VICHE_WEBHOOK_SECRET=w\n",
        encoding="utf-8",
    )
    shutil.copy(ROOT / "compose.yaml", tmp_path / "compose.yaml")
    result = subprocess.run(
        ["docker", "compose", "--project-directory", str(tmp_path), "config", "--quiet"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
