"""The guard that keeps tests on this machine must itself work."""

import socket

import pytest
from tests_netguard_impl import NetworkLeftLocalhost


def test_connection_beyond_localhost_is_refused() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock, pytest.raises(NetworkLeftLocalhost):
        sock.connect(("93.184.216.34", 80))


def test_loopback_is_allowed() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        assert sock.connect_ex(("127.0.0.1", 9)) != 0  # refused by nobody listening, not by the guard
