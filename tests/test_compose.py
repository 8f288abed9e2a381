"""docker-compose.yml (production) checked without Docker, which this machine cannot run.

Every command a service runs must name something that exists: scripts in the repo (and executable),
``python -m`` modules in the repo or installed in the app venv, the uvicorn app factory, the
Dockerfiles. The command helpers here are shared with tests/test_procfile.py.
"""

from __future__ import annotations

import ast
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = ROOT / "docker-compose.yml"
APP_DOCKERFILE = "docker/app.Dockerfile"
RASA_DOCKERFILE = "docker/rasa.Dockerfile"
REQUIRED_SERVICES = {"redis", "postgres", "rasa", "actions", "web", "worker"}
APP_SERVICES = {"actions", "web", "worker"}
REQUIRED_SECRETS = (
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
    "RASA_TOKEN",
    "PUBLIC_BASE_URL",
    "POSTGRES_PASSWORD",
    "OPS_TOKEN",
    "LOANS_API_TOKEN",
)
# Variables that are not Settings fields but are read by something we run.
NON_SETTINGS_VARIABLES = {"RASA_PORT", "RASA_MODEL", "RASA_HOST", "RASA_LOG_LEVEL"}

# ------------------------------------------------------------------------------------------------
# Command checks (also used by tests/test_procfile.py)
# ------------------------------------------------------------------------------------------------

# Standard tools a command may use without them being part of the repo.
SHELL_UTILITIES = frozenset(
    {
        "echo",
        "printf",
        "sleep",
        "tail",
        "true",
        "false",
        "test",
        "[",
        "cd",
        "rm",
        "find",
        "mkdir",
        "set",
        "export",
        "exit",
        "wait",
        "kill",
        "cat",
        "sh",
        "bash",
    }
)
SHELL_KEYWORDS = frozenset(
    {"if", "then", "else", "elif", "fi", "while", "until", "do", "done", "!", "{", "}"}
)
SHELL_CONTROL = frozenset({";", "&&", "||", "|", "&", "(", ")", ";;", "\n"})
REDIRECTIONS = frozenset({">", ">>", "<", ">&", "<&", "&>", ">|"})
ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
# Repo scripts that run the rest of their arguments as a command (checked like any other command).
COMMAND_WRAPPERS = frozenset({"scripts/low_priority.sh"})
PYTHON = re.compile(r"^python(3(\.\d+)?)?$")


def split_shell(script: str) -> list[list[str]]:
    """Split a shell script into its simple commands (argv lists), without keywords or redirections."""
    lexer = shlex.shlex(script, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    commands: list[list[str]] = []
    current: list[str] = []
    tokens = iter(lexer)
    for token in tokens:
        if token in SHELL_CONTROL:
            commands.append(current)
            current = []
        elif token in REDIRECTIONS:
            next(tokens, None)  # the redirection's target
        else:
            current.append(token)
    commands.append(current)
    cleaned = []
    for argv in commands:
        while argv and (argv[0] in SHELL_KEYWORDS or argv[0] == "exec" or ASSIGNMENT.match(argv[0])):
            argv = argv[1:]
        if argv:
            cleaned.append(argv)
    return cleaned


def in_repo(module: str) -> bool:
    top = ROOT / module.split(".")[0]
    return top.is_dir() or top.with_suffix(".py").is_file()


def module_problem(module: str, python: Path, *, main: bool) -> str | None:
    """None if ``module`` (with ``__main__`` when ``main``) exists in the repo or in ``python``'s env."""
    parts = module.split(".")
    if in_repo(module):
        base = ROOT.joinpath(*parts)
        candidates = (
            [base.with_suffix(".py"), base / "__main__.py"]
            if main
            else [base.with_suffix(".py"), base / "__init__.py"]
        )
        if any(path.is_file() for path in candidates):
            return None
        return (
            f"module {module!r} not found in the repo (looked for {', '.join(_rel(p) for p in candidates)})"
        )
    if not python.exists():
        return f"cannot check installed module {module!r}: {python} does not exist (run make setup)"
    target = f"{module}.__main__" if main else module
    result = subprocess.run(
        [
            str(python),
            "-c",
            "import importlib.util, sys; sys.exit(importlib.util.find_spec(sys.argv[1]) is None)",
            target,
        ],
        capture_output=True,
        cwd="/",  # installed modules only, not the repo's
        timeout=60,
        check=False,
    )
    if result.returncode != 0:
        return f"module {target!r} is neither in the repo nor installed in {python}"
    return None


def app_factory_problem(target: str) -> str | None:
    """``package.module:attribute`` must point at a file in the repo defining ``attribute``."""
    module, sep, attribute = target.partition(":")
    if not sep or not attribute:
        return f"uvicorn app {target!r} is not of the form module:attribute"
    base = ROOT.joinpath(*module.split("."))
    path = next((p for p in (base.with_suffix(".py"), base / "__init__.py") if p.is_file()), None)
    if path is None:
        return f"uvicorn app {target!r}: {_rel(base)}.py does not exist"
    names = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    if attribute not in names:
        return f"uvicorn app {target!r}: {_rel(path)} defines no top-level {attribute!r}"
    return None


def command_problems(
    argv: list[str], *, bin_dir: Path | None, python: Path, workdir: str | None = None
) -> tuple[list[str], list[str]]:
    """Check one command. Returns (problems, repo paths it relies on).

    ``bin_dir``: where bare program names (``uvicorn``, ``python``) must exist; None forbids bare names
    (a Procfile must not depend on whatever is first on PATH). ``python``: the interpreter whose
    installed modules count. ``workdir``: the image's WORKDIR (absolute paths under it map to the repo).
    """
    problems: list[str] = []
    used: list[str] = []
    argv = list(argv)
    while argv and (argv[0] == "exec" or ASSIGNMENT.match(argv[0])):
        argv = argv[1:]
    if not argv:
        return ["empty command"], used
    program, args = argv[0], argv[1:]
    name = program.rsplit("/", 1)[-1]

    if program in ("sh", "bash") and args[:1] == ["-c"] and len(args) >= 2:
        for inner in split_shell(args[1]):
            inner_problems, inner_used = command_problems(
                inner, bin_dir=bin_dir, python=python, workdir=workdir
            )
            problems += inner_problems
            used += inner_used
        return problems, used
    if program in SHELL_UTILITIES:
        return problems, used

    # The program itself.
    if "/" in program:
        relative = program
        if workdir and program.startswith(workdir.rstrip("/") + "/"):
            relative = program[len(workdir.rstrip("/")) + 1 :]
        if relative.startswith("/"):
            problems.append(f"{program}: absolute paths outside the repo are not checked; use a repo path")
        else:
            path = ROOT / relative
            if not path.is_file():
                problems.append(f"{program}: no such file in the repo")
            elif not os.access(path, os.X_OK):
                problems.append(f"{program}: not executable (chmod +x)")
            elif not relative.startswith((".venv/", ".venv-rasa/")):
                used.append(relative)
            if relative in COMMAND_WRAPPERS and not problems:
                if not args:
                    return [f"{program} without a command to run"], used
                inner_problems, inner_used = command_problems(
                    args, bin_dir=bin_dir, python=python, workdir=workdir
                )
                return inner_problems, used + inner_used
    elif bin_dir is None:
        problems.append(f"{program}: bare program names depend on PATH; name it by path (.venv/bin/…)")
    elif not (bin_dir / program).exists():
        problems.append(f"{program}: not a console script of the app venv ({bin_dir})")

    # What it runs.
    if PYTHON.match(name):
        if "-m" in args and args.index("-m") + 1 < len(args):
            module = args[args.index("-m") + 1]
            problem = module_problem(module, python, main=True)
            if problem:
                problems.append(problem)
            elif in_repo(module):
                used.append(module.split(".")[0])
            rest = args[args.index("-m") + 2 :]
            if module == "rasa_sdk":
                package = _option(rest, "--actions") or _option(rest, "--actions-module")
                if package is None:
                    problems.append("python -m rasa_sdk without --actions <package>")
                elif problem := module_problem(package, python, main=False):
                    problems.append(f"rasa_sdk --actions: {problem}")
                elif in_repo(package):
                    used.append(package.split(".")[0])
        elif args and not args[0].startswith("-"):
            if not (ROOT / args[0]).is_file():
                problems.append(f"{program} {args[0]}: no such script in the repo")
            else:
                used.append(args[0])
        else:
            problems.append(f"{' '.join(argv)}: python without -m module or script")
    elif name == "uvicorn":
        targets = [a for a in args if ":" in a and not a.startswith("-")]
        if not targets:
            problems.append("uvicorn without module:attribute")
        elif problem := app_factory_problem(targets[0]):
            problems.append(problem)
        else:
            used.append(targets[0].split(".")[0])
    return problems, used


def _option(args: list[str], flag: str) -> str | None:
    for index, arg in enumerate(args):
        if arg == flag and index + 1 < len(args):
            return args[index + 1]
        if arg.startswith(flag + "="):
            return arg.split("=", 1)[1]
    return None


def _rel(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def app_venv_python() -> Path:
    """The interpreter whose packages the app image installs too (same pyproject.toml)."""
    venv = ROOT / ".venv" / "bin" / "python"
    return venv if venv.exists() else Path(sys.executable)


# ------------------------------------------------------------------------------------------------
# Compose helpers
# ------------------------------------------------------------------------------------------------


def load_compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict), "docker-compose.yml is not a mapping"
    return data


def environment(service: Mapping[str, Any]) -> dict[str, str | None]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        return {k: v for k, _, v in (item.partition("=") for item in env)}
    return {str(k): (None if v is None else str(v)) for k, v in env.items()}


def as_argv(command: str | list[str]) -> list[str]:
    return shlex.split(command) if isinstance(command, str) else [str(part) for part in command]


def dockerfile_of(service: Mapping[str, Any]) -> Path | None:
    build = service.get("build")
    if build is None:
        return None
    if isinstance(build, str):
        return ROOT / build / "Dockerfile"
    return ROOT / build.get("context", ".") / build.get("dockerfile", "Dockerfile")


def parse_dockerfile(path: Path) -> tuple[str, list[str], list[str] | None]:
    """(WORKDIR, COPY sources, CMD as argv) of a simple Dockerfile."""
    text = re.sub(r"\\\n", " ", path.read_text(encoding="utf-8"))
    workdir, sources, cmd = "/", [], None
    for line in text.splitlines():
        words = line.strip().split(None, 1)
        if not words or words[0].startswith("#"):
            continue
        instruction, rest = words[0].upper(), (words[1] if len(words) > 1 else "")
        if instruction == "WORKDIR":
            workdir = rest.strip()
        elif instruction == "COPY":
            parts = [p for p in shlex.split(rest) if not p.startswith("--")]
            if "--from" not in rest:
                sources += [p.rstrip("/").removeprefix("./") or "." for p in parts[:-1]]
        elif instruction == "CMD":
            cmd = yaml.safe_load(rest) if rest.strip().startswith("[") else ["sh", "-c", rest]
    return workdir, sources, cmd


def copied(path: str, sources: Iterable[str]) -> bool:
    path = path.rstrip("/")
    return any(s == "." or path == s or path.startswith(s + "/") for s in sources)


def secret_problems(text: str, names: Iterable[str]) -> list[str]:
    """Each name must be interpolated, and every interpolation must be required: ${NAME:?message}."""
    problems = []
    for name in names:
        uses = re.findall(r"\$\{" + re.escape(name) + r"(?![A-Za-z0-9_])([^}]*)\}", text)
        if not uses:
            problems.append(f"{name} is never taken from the environment (${{{name}:?…}})")
        for modifier in uses:
            if not modifier.startswith(":?"):
                problems.append(f"${{{name}{modifier}}} must be required: ${{{name}:?message}}")
    return problems


# ------------------------------------------------------------------------------------------------
# Tests
# ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load_compose()


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]  # type: ignore[no-any-return]


def app_service_names(services: Mapping[str, Mapping[str, Any]]) -> set[str]:
    return {name for name, s in services.items() if dockerfile_of(s) == ROOT / APP_DOCKERFILE}


def test_every_service_is_defined(services: dict[str, Any]) -> None:
    assert set(services) >= REQUIRED_SERVICES, f"missing: {sorted(REQUIRED_SERVICES - set(services))}"
    assert app_service_names(services) >= APP_SERVICES
    assert dockerfile_of(services["rasa"]) == ROOT / RASA_DOCKERFILE


def test_redis_persists_with_append_only_file(services: dict[str, Any]) -> None:
    redis = services["redis"]
    argv = as_argv(redis["command"])
    assert "--appendonly" in argv and argv[argv.index("--appendonly") + 1] == "yes", argv
    assert any(str(v).split(":")[1:2] == ["/data"] for v in redis.get("volumes", [])), (
        "redis /data has no volume"
    )


def test_postgres_keeps_its_data(services: dict[str, Any]) -> None:
    volumes = [str(v) for v in services["postgres"].get("volumes", [])]
    assert any(v.split(":")[1:2] == ["/var/lib/postgresql/data"] for v in volumes), volumes


def test_required_secrets_must_be_given() -> None:
    assert secret_problems(COMPOSE_FILE.read_text(encoding="utf-8"), REQUIRED_SECRETS) == []


def test_secret_check_rejects_defaults_and_literals() -> None:
    text = "A: ${RASA_TOKEN:-dev}\nB: ${TWILIO_AUTH_TOKEN:?set it}\nC: ${PUBLIC_BASE_URL}\n"
    problems = secret_problems(
        text, ["RASA_TOKEN", "TWILIO_AUTH_TOKEN", "PUBLIC_BASE_URL", "POSTGRES_PASSWORD"]
    )
    assert len(problems) == 3, problems
    assert secret_problems("X: ${RASA_TOKEN_OLD:?x}\n", ["RASA_TOKEN"]), "a longer name must not count"


def test_secrets_are_never_literal_values(services: dict[str, Any]) -> None:
    for name, service in services.items():
        for key, value in environment(service).items():
            if key in REQUIRED_SECRETS:
                assert value is not None and f"${{{key}:?" in value, f"{name}: {key} must be ${{{key}:?…}}"


def test_app_services_run_in_prod(services: dict[str, Any]) -> None:
    for name in app_service_names(services):
        env = environment(services[name])
        assert env.get("APP_ENV") == "prod", f"{name}: APP_ENV={env.get('APP_ENV')!r}"
        assert "${POSTGRES_PASSWORD:?" in (env.get("DATABASE_URL") or ""), f"{name}: DATABASE_URL"
        assert (env.get("DATABASE_URL") or "").startswith("postgresql://"), f"{name}: not PostgreSQL"


def test_app_environment_names_are_settings(services: dict[str, Any]) -> None:
    known = {field.upper() for field in Settings.model_fields}
    for name in app_service_names(services):
        unknown = set(environment(services[name])) - known - NON_SETTINGS_VARIABLES
        assert not unknown, f"{name}: {sorted(unknown)} are not bot/settings.py fields (typo?)"


def test_only_web_is_published(services: dict[str, Any]) -> None:
    assert "ports" not in services["rasa"], "Rasa must stay private: its channel webhooks have no auth"
    published = {name for name, s in services.items() if s.get("ports")}
    assert published == {"web"}, f"published services: {sorted(published)}"
    assert any(str(p).split(":")[-1] == "8000" for p in services["web"]["ports"])


def test_the_kitchen_yields_the_cpu_to_the_doorman(services: dict[str, Any]) -> None:
    """Under CPU contention web (which must answer Twilio in milliseconds) gets the larger share.

    Containers are separate cgroups, so ``nice`` inside one does not rank it against another:
    cpu_shares does (Docker's default is 1024).
    """
    web = int(services["web"].get("cpu_shares", 1024))
    for name in ("worker", "rasa", "actions"):
        shares = int(services[name].get("cpu_shares", 1024))
        assert shares * 4 <= web, f"{name}: cpu_shares {shares} is not well below web's {web}"


def test_dockerfiles_exist_and_are_simple(services: dict[str, Any]) -> None:
    for name, service in services.items():
        dockerfile = dockerfile_of(service)
        if dockerfile is None:
            assert "image" in service, f"{name}: neither build nor image"
            continue
        assert dockerfile.is_file(), f"{name}: {_rel(dockerfile)} does not exist"
    assert "FROM python:3.11-slim" in (ROOT / APP_DOCKERFILE).read_text(encoding="utf-8")
    rasa = (ROOT / RASA_DOCKERFILE).read_text(encoding="utf-8")
    assert "FROM python:3.10-slim" in rasa and "nlu/requirements.lock" in rasa


def test_every_command_names_something_that_exists(services: dict[str, Any]) -> None:
    problems = []
    for name, service in sorted(services.items()):
        dockerfile = dockerfile_of(service)
        if dockerfile is None or not dockerfile.is_file():
            continue  # third-party images (redis, postgres): their commands are theirs
        workdir, sources, cmd = parse_dockerfile(dockerfile)
        commands = {"command": service.get("command"), f"{_rel(dockerfile)} CMD": cmd}
        for label, command in commands.items():
            if command is None:
                continue
            found, used = command_problems(
                as_argv(command), bin_dir=app_venv_python().parent, python=app_venv_python(), workdir=workdir
            )
            problems += [f"{name} {label}: {p}" for p in found]
            problems += [
                f"{name} {label}: uses {path} but {_rel(dockerfile)} does not COPY it"
                for path in used
                if not copied(path, sources)
            ]
    assert not problems, "\n".join(problems)


def test_depends_on_uses_conditions_that_can_be_met(services: dict[str, Any]) -> None:
    for name, service in services.items():
        depends = service.get("depends_on", {})
        assert isinstance(depends, dict), f"{name}: depends_on needs conditions (mapping form)"
        for target, spec in depends.items():
            assert target in services, f"{name} depends on unknown service {target}"
            condition = spec.get("condition")
            if condition == "service_healthy":
                assert "healthcheck" in services[target], (
                    f"{name} waits for {target}, which has no healthcheck"
                )
            elif condition == "service_completed_successfully":
                assert services[target].get("restart") == "no", f"{target} is one-shot: restart: 'no'"
            else:
                assert condition == "service_started", f"{name} -> {target}: unknown condition {condition!r}"
    for name in ("web", "worker", "rasa"):
        assert services[name].get("depends_on"), f"{name} starts without waiting for anything"


def test_long_running_services_have_healthchecks(services: dict[str, Any]) -> None:
    missing = [n for n, s in services.items() if s.get("restart") != "no" and "healthcheck" not in s]
    assert not missing, f"no healthcheck: {missing}"


def healthcheck_problems(services: dict[str, Any]) -> list[str]:
    """In prod /readyz and /metrics answer 401 without the OPS_TOKEN: a probe of them must send it."""
    problems = []
    for name, service in services.items():
        probe = " ".join(map(str, service.get("healthcheck", {}).get("test", [])))
        if ("/readyz" in probe or "/metrics" in probe) and "OPS_TOKEN" not in probe:
            problems.append(f"{name}: its healthcheck calls /readyz or /metrics without OPS_TOKEN")
    return problems


def test_healthchecks_can_pass_in_prod(services: dict[str, Any]) -> None:
    assert healthcheck_problems(services) == []
    web = " ".join(services["web"]["healthcheck"]["test"])
    assert "/healthz" in web or "OPS_TOKEN" in web
    bad = {"web": {"healthcheck": {"test": ["CMD", "curl", "-f", "http://127.0.0.1:8000/readyz"]}}}
    assert healthcheck_problems(bad), "the checker must say no"


# The checker must be able to say no.
@pytest.mark.parametrize(
    "argv",
    [
        ["python", "-m", "bot.no_such_module"],
        ["python", "-m", "no_such_package_famibot"],
        ["python", "-m", "rasa_sdk", "--actions", "no_such_actions"],
        ["scripts/no_such_script.sh"],
        ["pyproject.toml"],  # exists, not executable
        ["uvicorn", "webhooks.no_such:create_app", "--factory"],
        ["uvicorn", "webhooks.app:no_such_factory", "--factory"],
        ["no-such-console-script", "--help"],
        ["sh", "-c", "echo hi && exec python -m bot.no_such_module"],
    ],
)
def test_command_checker_rejects_what_does_not_exist(argv: list[str]) -> None:
    problems, _ = command_problems(argv, bin_dir=app_venv_python().parent, python=app_venv_python())
    assert problems, f"{argv} should have been rejected"


def test_copy_check() -> None:
    assert copied("scripts/run_rasa.sh", ["nlu/requirements.lock", "scripts"])
    assert not copied("scripts/run_rasa.sh", ["scripts/setup.sh", "nlu"])
    assert copied("bot", ["."])
