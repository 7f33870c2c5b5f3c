"""The deployment files say what the README promises: the container image builds from the lock files and
runs `hard-e run` as a non-root user with a health check on /healthz; the systemd units run `hard-e run
--http` and `hard-e clock` as a service user with an EnvironmentFile; the Procfile keeps `web` and `clock`.
Read as text (no docker or systemd needed); the image's health check command is run for real."""

from __future__ import annotations

import asyncio
import json
import os
import shlex
import socket
import sys
from pathlib import Path

import pytest

from tests.conftest import bot_env, start_bot

ROOT = Path(__file__).resolve().parents[1]


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined, comments dropped."""
    logical, pending = [], ""
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    return [(text.split(None, 1)[0].upper(), text.split(None, 1)[1].strip()) for text in logical]


def final_stage() -> list[tuple[str, str]]:
    instructions = dockerfile()
    last_from = max(i for i, (name, _) in enumerate(instructions) if name == "FROM")
    return instructions[last_from:]


def unit(name: str) -> dict[str, dict[str, list[str]]]:
    """A systemd unit file: {section: {key: [values, in order]}} (keys may repeat)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] = {}
    for line in (ROOT / "deploy" / name).read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        key, _, value = line.partition("=")
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def healthcheck_command() -> list[str]:
    [(_, arguments)] = [i for i in dockerfile() if i[0] == "HEALTHCHECK"]
    return json.loads(arguments.split("CMD", 1)[1])


def test_the_image_installs_exactly_the_locked_dependencies_then_the_package_alone():
    runs = [arguments for name, arguments in dockerfile() if name == "RUN"]
    locked = [r for r in runs if "-r requirements.lock" in r]
    assert locked and "--require-hashes" in locked[0]
    package = [r for r in runs if "--no-deps" in r]
    assert package and " install " in package[0] and "--no-build-isolation" in package[0]
    copies = [arguments for name, arguments in dockerfile() if name == "COPY"]
    assert copies.index(next(c for c in copies if "requirements.lock" in c)) < copies.index(next(c for c in copies if "hard_e" in c)), (
        "the dependency layer comes before the code, so a code change does not reinstall them"
    )


def test_the_image_runs_hard_e_as_a_non_root_user_on_the_http_port():
    stage = final_stage()
    [user] = [arguments for name, arguments in stage if name == "USER"]
    assert user.split(":")[0] not in ("root", "0")
    [cmd] = [arguments for name, arguments in stage if name == "CMD"]
    assert json.loads(cmd) == ["hard-e", "run"]
    env = " ".join(arguments for name, arguments in stage if name == "ENV")
    [exposed] = [arguments for name, arguments in stage if name == "EXPOSE"]
    assert f"PORT={exposed}" in env.split()


def test_the_image_checks_its_health_at_healthz_with_python_alone():
    command = healthcheck_command()
    assert command[:2] == ["python", "-c"] and "/healthz" in command[2] and "urllib" in command[2]
    assert not any(tool in " ".join(command) for tool in ("curl", "wget"))


async def health_check(port: str) -> int:
    """The image's HEALTHCHECK command, run with PORT set as the image sets it; its exit status."""
    python, *arguments = healthcheck_command()
    assert python == "python"
    env = {**os.environ, "PORT": port}
    check = await asyncio.create_subprocess_exec(sys.executable, *arguments, env=env, stderr=asyncio.subprocess.DEVNULL)
    return await asyncio.wait_for(check.wait(), timeout=30)


@pytest.mark.e2e
async def test_the_health_check_passes_against_a_running_hard_e_and_fails_when_nothing_answers(fake_slack, fake_openai, tmp_path):
    bot = await start_bot(bot_env(fake_slack, fake_openai, f"sqlite:///{tmp_path / 'hard_e.db'}", tmp_path))
    try:
        assert await health_check(bot.url.rsplit(":", 1)[1]) == 0
    finally:
        await bot.stop()
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        closed = str(unused.getsockname()[1])
    assert await health_check(closed) != 0


def test_the_build_context_leaves_out_secrets_and_the_local_venv():
    rules = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines() if line.strip() and not line.startswith("#")]
    assert rules[0] == "*", "an allowlist: only what the build copies goes in"
    allowed = {rule[1:].rstrip("/") for rule in rules if rule.startswith("!")}
    assert {"requirements.lock", "pyproject.toml", "README.md", "hard_e"} <= allowed
    assert not allowed & {".env", ".venv", ".git", "data"}


def test_the_systemd_units_run_web_and_clock_as_a_service_user_with_an_environment_file():
    for name, command in (("hard-e.service", ["run", "--http"]), ("hard-e-clock.service", ["clock"])):
        service = unit(name)["Service"]
        [user] = service["User"]
        assert user not in ("root", "0"), name
        [exec_start] = service["ExecStart"]
        argv = shlex.split(exec_start)
        assert Path(argv[0]).name == "hard-e" and argv[1:] == command, name
        assert service["EnvironmentFile"] and Path(service["EnvironmentFile"][0].lstrip("-")).is_absolute(), name
        assert service["Restart"] == ["on-failure"], name
        assert Path(service["WorkingDirectory"][0]).is_absolute(), name
        assert int(service["TimeoutStopSec"][0]) > 25, f"{name}: time for answers under way to finish"
        assert unit(name)["Install"]["WantedBy"] == ["multi-user.target"], name


def test_web_processes_leave_the_jobs_to_the_clock():
    web = unit("hard-e.service")
    assert "HARDE_SCHEDULER=off" in " ".join(web["Service"]["Environment"]).split()
    assert "hard-e-clock.service" in web["Unit"]["Wants"]


def test_the_procfile_keeps_web_and_clock():
    processes = dict(line.split(":", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line.strip())
    assert shlex.split(processes["web"])[:3] == ["hard-e", "run", "--http"]
    assert shlex.split(processes["clock"]) == ["hard-e", "clock"]
