"""The Procfile and dev.env behind `make run`, checked without starting anything.

Every entry must name something that exists (scripts executable, ``-m`` modules in the repo or in
.venv, the uvicorn app factory); dev.env must hold only settings that exist, in a form both sh and
honcho read the same way, with ports that agree with the Procfile.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bot.settings import Settings
from tests.test_compose import ROOT, command_problems, split_shell

PROCFILE = ROOT / "Procfile"
DEV_ENV = ROOT / "dev.env"
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"
REQUIRED_PROCESSES = {"web", "worker", "rasa", "actions"}
SIMULATOR_URL = "http://127.0.0.1:8000/simulator"
LOW_PRIORITY = "scripts/low_priority.sh "
# Read by scripts/run_rasa.sh and rasa_sdk, not by Settings.
NON_SETTINGS_VARIABLES = {"RASA_PORT", "RASA_MODEL", "SANIC_HOST"}
ENTRY = re.compile(r"^([A-Za-z0-9_-]+):\s*(.+)$")  # honcho's own Procfile grammar
ENV_LINE = re.compile(r"^([A-Z_][A-Z0-9_]*)=([^\s'\"#$`\\]*)$")


def parse_procfile(text: str) -> dict[str, str]:
    entries: dict[str, str] = {}
    for line in text.splitlines():
        if match := ENTRY.match(line):
            assert match[1] not in entries, f"process {match[1]} defined twice"
            entries[match[1]] = match[2]
    return entries


def parse_env(text: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = ENV_LINE.match(line)
        assert match, f"dev.env:{number}: {line!r} is not a plain KEY=value (no quotes, spaces, $ or #)"
        values[match[1]] = match[2]
    return values


def procfile_problems(entries: dict[str, str]) -> list[str]:
    problems = []
    for name, script in entries.items():
        for argv in split_shell(script):
            found, _ = command_problems(argv, bin_dir=None, python=VENV_PYTHON)
            problems += [f"{name}: {problem}" for problem in found]
    return problems


@pytest.fixture(scope="module")
def entries() -> dict[str, str]:
    return parse_procfile(PROCFILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def dev_env() -> dict[str, str]:
    return parse_env(DEV_ENV.read_text(encoding="utf-8"))


def test_every_process_is_there(entries: dict[str, str]) -> None:
    assert set(entries) >= REQUIRED_PROCESSES, f"missing: {sorted(REQUIRED_PROCESSES - set(entries))}"


def test_every_command_names_something_that_exists(entries: dict[str, str]) -> None:
    problems = procfile_problems(entries)
    assert not problems, "\n".join(problems)


def test_the_entry_points_are_the_agreed_ones(entries: dict[str, str]) -> None:
    commands = {name: script.removeprefix(LOW_PRIORITY) for name, script in entries.items()}
    assert commands["web"].startswith(".venv/bin/uvicorn webhooks.app:create_app --factory")
    assert "--host 127.0.0.1" in commands["web"], "the dev web process listens on loopback only"
    assert commands["worker"] == ".venv/bin/python -m bot.worker"
    assert commands["rasa"] == "scripts/run_rasa.sh"
    assert commands["actions"].startswith(".venv/bin/python -m rasa_sdk --actions actions")


def test_the_kitchen_yields_the_cpu_to_the_doorman(entries: dict[str, str]) -> None:
    """Twilio waits 15 s for the webhook: worker, Rasa and the action server run at a lower priority
    (tests/test_low_priority.py shows what the wrapper does to real processes)."""
    for name in ("worker", "rasa", "actions"):
        assert entries[name].startswith(LOW_PRIORITY), f"{name} must start with {LOW_PRIORITY!r}"
    assert "low_priority" not in entries["web"] and "nice" not in entries["web"]


def test_an_announcer_waits_for_readyz_prints_the_simulator_and_keeps_running(
    entries: dict[str, str],
) -> None:
    announcers = [name for name, script in entries.items() if "bot.cli wait-ready" in script]
    assert len(announcers) == 1, "one process must run `python -m bot.cli wait-ready`"
    script = entries[announcers[0]]
    assert "/readyz" in script and SIMULATOR_URL in script
    # honcho stops everything when any process exits: the announcer must end in a process that stays.
    last = split_shell(script)[-1]
    assert last in (["sleep", "infinity"], ["tail", "-f", "/dev/null"]), f"announcer ends with {last}"
    assert re.search(r"\bexec\s+(sleep infinity|tail -f /dev/null)\s*$", script), "exec it (no orphan)"


@pytest.mark.parametrize(
    "bad",
    [
        {"worker": ".venv/bin/python -m bot.no_such_worker"},
        {"rasa": "scripts/no_such_run_rasa.sh"},
        {"web": "uvicorn webhooks.app:create_app --factory"},  # bare name: whatever is on PATH
        {"web": ".venv/bin/uvicorn webhooks.app:no_such_factory --factory"},
        {"actions": ".venv/bin/python -m rasa_sdk --actions no_such_actions"},
        {"worker": "scripts/low_priority.sh .venv/bin/python -m bot.no_such_worker"},
        {"worker": "scripts/low_priority.sh"},
        {"worker": "scripts/no_such_wrapper.sh .venv/bin/python -m bot.worker"},
        {
            "ready": "if .venv/bin/python -m bot.no_such_cli wait-ready; then echo ok; fi; exec tail -f /dev/null"
        },
    ],
)
def test_the_checker_rejects_what_does_not_exist(bad: dict[str, str]) -> None:
    assert procfile_problems(bad), f"{bad} should have been rejected"


def test_dev_env_holds_only_real_settings(dev_env: dict[str, str]) -> None:
    known = {field.upper() for field in Settings.model_fields}
    unknown = set(dev_env) - known - NON_SETTINGS_VARIABLES
    assert not unknown, f"{sorted(unknown)} are not bot/settings.py fields (typo?)"


def test_dev_env_is_a_valid_dev_configuration(dev_env: dict[str, str]) -> None:
    settings = Settings(
        **{key.lower(): value for key, value in dev_env.items() if key not in NON_SETTINGS_VARIABLES}
    )
    assert settings.app_env == "dev" and settings.dev_tools_enabled
    assert not settings.dev_tools_allow_remote, "dev tools must answer this machine only"
    assert settings.twilio_api_base_url == "http://127.0.0.1:8000/fake-twilio"
    assert settings.public_base_url == "http://127.0.0.1:8000"
    assert settings.database_url.startswith("sqlite:///")
    assert settings.prometheus_multiproc_dir == Path("var/metrics")
    assert settings.log_json is False
    assert dev_env["RASA_MODEL"] == "models/famibot.tar.gz"
    assert dev_env["SANIC_HOST"] == "127.0.0.1", "the action server must not listen beyond loopback"


def test_dev_env_reads_the_same_in_honcho() -> None:
    honcho_environ = pytest.importorskip("honcho.environ")
    text = DEV_ENV.read_text(encoding="utf-8")
    assert honcho_environ.parse(text) == parse_env(text)


def test_ports_agree_between_procfile_and_dev_env(entries: dict[str, str], dev_env: dict[str, str]) -> None:
    web_port = re.search(r"--port (\d+)", entries["web"])
    actions_port = re.search(r"--port (\d+)", entries["actions"])
    assert web_port and actions_port
    assert urlsplit(dev_env["PUBLIC_BASE_URL"]).port == int(web_port[1])
    assert urlsplit(dev_env["TWILIO_API_BASE_URL"]).port == int(web_port[1])
    assert urlsplit(dev_env["ACTIONS_URL"]).port == int(actions_port[1])
    assert urlsplit(dev_env["RASA_URL"]).port == int(dev_env["RASA_PORT"])
    assert f"127.0.0.1:{web_port[1]}/readyz" in "".join(entries.values())
