"""famibot's Rasa tracker store (nlu/famibot_store) against a real Redis, in the Rasa venv.

Each test runs one check of tests/nlu/tracker_store_checks.py with .venv-rasa/bin/python (the store
imports Rasa, which the app's venv does not have). What each check proves is in its name:

- same_state_as_the_full_log: after every turn of a long conversation (forms, pauses, new sessions),
  the loaded window has the full tracker's slots, active loop, pause, latest intent/action and last
  four policy states — and the window moved forward many times;
- log_keeps_every_event_and_window_stays_bounded: each save appends only the turn's new events to the
  log (the log's first element never changes) and the loaded window stays bounded;
- the_last_turn_is_always_in_the_window: GET /tracker's events always hold the last user message (the
  gateway finds its turn by metadata.message_sid);
- old_format_is_moved_on_first_read: a conversation saved by Rasa's RedisTrackerStore loads with the
  same state as Rasa gives it, its old key is deleted, its expiry kept;
- a_tracker_not_handed_out_keeps_the_history: a tracker saved without being loaded first (PUT
  .../tracker/events, Rasa's fail-safe) becomes the window; the log keeps the history;
- action_answers_are_checked_as_rasa_does: building the store makes Rasa check the action server's
  answers with a validator built once, with Rasa's own verdict and error for good and bad answers.
"""

from __future__ import annotations

import subprocess

import pytest

from tests.conftest import REDIS_BASE, ROOT

RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"
CHECKS = [
    "same_state_as_the_full_log",
    "log_keeps_every_event_and_window_stays_bounded",
    "the_last_turn_is_always_in_the_window",
    "old_format_is_moved_on_first_read",
    "a_tracker_not_handed_out_keeps_the_history",
    "action_answers_are_checked_as_rasa_does",
]


@pytest.mark.skipif(not RASA_PYTHON.exists(), reason="no Rasa venv (.venv-rasa): scripts/setup.sh rasa")
@pytest.mark.parametrize("check", CHECKS)
def test_tracker_store(check: str, redis_db: int) -> None:
    result = subprocess.run(
        [
            str(RASA_PYTHON),
            str(ROOT / "tests" / "nlu" / "tracker_store_checks.py"),
            f"{REDIS_BASE}/{redis_db}",
            check,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert f"ok: {check}" in result.stdout
