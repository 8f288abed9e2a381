"""Loaded by every Python process the tests start (PYTHONPATH): refuse sockets beyond loopback."""

import tests_netguard_impl  # noqa: F401  (installs the guard on import)
