"""Start and stop the real processes an end-to-end test talks to."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import httpx

from bot.settings import Settings
from bot.twilio_adapter.records import Channel
from bot.twilio_adapter.signature import sign
from webhooks.dev.simulator import build_inbound_form

ROOT = Path(__file__).resolve().parents[2]
NETGUARD = ROOT / "tests" / "netguard"
SMS_FROM = "+15005550006"
WHATSAPP_FROM = "whatsapp:+14155238886"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def child_env(extra: dict[str, str]) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("RASA_", "TWILIO_"))}
    env.update(extra)
    env["PYTHONPATH"] = os.pathsep.join([str(NETGUARD), str(ROOT)])  # every child gets the network guard
    env["RASA_TELEMETRY_ENABLED"] = "false"
    env["SANIC_HOST"] = "127.0.0.1"  # the action server binds to loopback only
    return env


class Process:
    def __init__(self, name: str, command: list[str], env: dict[str, str], log_dir: Path) -> None:
        self.name = name
        self.command = command
        self.env = env
        self.log_path = log_dir / f"{name}.log"
        self.popen: subprocess.Popen[bytes] | None = None

    def start(self) -> Process:
        log = self.log_path.open("ab")
        self.popen = subprocess.Popen(
            self.command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        return self

    def kill(self) -> None:
        """SIGKILL: the process gets no chance to clean up (a crash)."""
        if self.popen and self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(10)

    def stop(self) -> None:
        if self.popen and self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def wait_http(self, url: str, timeout_s: float, *, params: dict[str, str] | None = None) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.popen and self.popen.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.popen.returncode}:\n{self.tail()}")
            try:
                if httpx.get(url, params=params, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise TimeoutError(f"{self.name} not ready at {url} after {timeout_s} s:\n{self.tail()}")


@dataclass
class RasaServer:
    """`rasa run` with the trained model and its action server, both on loopback ports."""

    url: str
    port: int
    actions_url: str
    rasa: Process
    actions: Process
    started_s: float = 0.0
    # Between Rasa (and the worker's health probe) and the action server, when asked for: a test
    # stops it to make the action server unreachable and starts it again at once.
    actions_proxy: Process | None = None
    actions_health_url: str = ""

    def stop(self) -> None:
        self.rasa.stop()
        self.actions.stop()
        if self.actions_proxy is not None:
            self.actions_proxy.stop()

    def actions_reachable(self, reachable: bool) -> None:
        """Through the proxy: make the action server unreachable for Rasa (and the worker), or not."""
        assert self.actions_proxy is not None, "started without actions_proxy"
        control = self.actions_proxy.log_path.parent / "actions-proxy-control"
        control.write_text("" if reachable else "down")

    def restart_actions(self, timeout_s: float = 90) -> None:
        """Start the (stopped) action server again and wait until it answers."""
        self.actions = Process(
            "actions", self.actions.command, self.actions.env, self.actions.log_path.parent
        )
        self.actions.start().wait_http(self.actions_health_url, timeout_s)


def start_rasa_server(
    logs: Path,
    *,
    model: Path,
    token: str,
    redis_url: str,
    actions_proxy: bool = False,
    env: dict[str, str] | None = None,
) -> RasaServer:
    """Start the action server and Rasa; return once Rasa has loaded the model.

    With ``actions_proxy``, Rasa reaches the action server through a TCP proxy (``actions_url``).
    ``env``: more variables for scripts/run_rasa.sh (e.g. TRACKER_WINDOW_EVENTS, RASA_ENDPOINTS).
    """
    started = time.monotonic()
    actions_port, rasa_port = free_port(), free_port()
    actions = Process(
        "actions",
        [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(actions_port)],
        child_env({"APP_ENV": "test", "LOG_LEVEL": "WARNING"}),  # APP_ENV defaults to prod
        logs,
    ).start()
    actions_url = f"http://127.0.0.1:{actions_port}"
    proxy = None
    if actions_proxy:
        proxy_port = free_port()
        proxy = Process(
            "actions-proxy",
            [
                sys.executable,
                str(ROOT / "tests" / "e2e" / "tcp_proxy.py"),
                str(proxy_port),
                str(actions_port),
                str(logs / "actions-proxy-control"),
            ],
            child_env({}),
            logs,
        ).start()
        actions_url = f"http://127.0.0.1:{proxy_port}"
    rasa = Process(
        "rasa",
        ["bash", str(ROOT / "scripts" / "run_rasa.sh")],
        child_env(
            {
                "RASA_PORT": str(rasa_port),
                "RASA_TOKEN": token,
                "RASA_MODEL": str(model),
                "REDIS_URL": redis_url,
                "ACTIONS_URL": actions_url,
                **(env or {}),
            }
        ),
        logs,
    ).start()
    server = RasaServer(
        f"http://127.0.0.1:{rasa_port}",
        rasa_port,
        actions_url,
        rasa,
        actions,
        actions_proxy=proxy,
        actions_health_url=f"http://127.0.0.1:{actions_port}/health",
    )
    try:
        actions.wait_http(f"{server.actions_url}/health", 90)
        rasa.wait_http(f"{server.url}/status", 300, params={"token": token})
    except BaseException:
        server.stop()
        raise
    server.started_s = round(time.monotonic() - started, 1)
    return server


def twilio_settings(*, public_base_url: str, account_sid: str, auth_token: str) -> Settings:
    """What signing an inbound form needs to know about the stack under test."""
    return Settings(
        app_env="test",
        public_base_url=public_base_url,
        twilio_account_sid=account_sid,
        twilio_auth_token=auth_token,  # type: ignore[arg-type]
        twilio_sms_from=SMS_FROM,
        twilio_whatsapp_from=WHATSAPP_FROM,
    )


def signed_inbound(
    settings: Settings,
    phone: str,
    body: str,
    *,
    channel: Channel = "sms",
    sid: str | None = None,
    **extra: str,
) -> tuple[bytes, dict[str, str]]:
    """An inbound message exactly as Twilio posts it (the simulator's form), signed: (body, headers)."""
    form = build_inbound_form(
        settings, channel=channel, e164=phone, body=body, message_sid=sid or "SM" + uuid.uuid4().hex
    )
    form.update(extra)
    url = settings.public_base_url.rstrip("/") + "/twilio/messages"
    headers = {
        "content-type": "application/x-www-form-urlencoded",
        "x-twilio-signature": sign(settings.twilio_auth_token.get_secret_value(), url, form),
    }
    return urlencode(form).encode(), headers
