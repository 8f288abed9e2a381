"""Actions read Settings from the environment, as the action server does: a test one here."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def test_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_ENV", "test")  # APP_ENV defaults to prod, which refuses the placeholders
