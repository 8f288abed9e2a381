"""`make run` migrates before it creates the metrics directory: `python -m bot.cli migrate` must not
import the metrics (prometheus_client in multiprocess mode opens files in that directory at import)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_migrate_runs_while_the_metrics_directory_does_not_exist_yet(tmp_path: Path) -> None:
    missing = tmp_path / "metrics-not-created-yet"
    env = {
        **os.environ,
        "APP_ENV": "test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}",
        "PROMETHEUS_MULTIPROC_DIR": str(missing),
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "migrate"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert "database migrated (sqlite)" in done.stdout
    assert not missing.exists()
