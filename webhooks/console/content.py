"""Reasons, outcomes and canned answers from data/handoff.yml, read leniently (the file is shared
with the tickets and consultant-replies helpers, which validate it at start)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

DEFAULT_OUTCOMES = {
    "resolved": "Resuelto",
    "loan_application_started": "Inició solicitud de crédito",
    "not_interested": "No le interesa",
    "wrong_number": "Número equivocado",
}


@dataclass(frozen=True, slots=True)
class ConsoleContent:
    reasons: dict[str, str] = field(default_factory=dict)  # id -> label
    outcomes: dict[str, str] = field(default_factory=dict)
    canned: list[tuple[str, str]] = field(default_factory=list)  # (title, text)
    branches: dict[str, str] = field(default_factory=dict)


def _labels(section: Any) -> dict[str, str]:
    if isinstance(section, dict):
        return {str(k): str(v.get("label", k) if isinstance(v, dict) else v) for k, v in section.items()}
    if isinstance(section, list):
        return {
            str(item["id"]): str(item.get("label", item["id"])) for item in section if isinstance(item, dict)
        }
    return {}


@cache
def load_console_content(data_dir: Path) -> ConsoleContent:
    handoff_path, branches_path = data_dir / "handoff.yml", data_dir / "branches.yml"
    handoff = yaml.safe_load(handoff_path.read_text("utf-8")) if handoff_path.exists() else {}
    branches = yaml.safe_load(branches_path.read_text("utf-8")) if branches_path.exists() else {}
    canned_section = (handoff or {}).get("canned_replies") or []
    canned = []
    for item in canned_section if isinstance(canned_section, list) else []:
        if isinstance(item, dict) and item.get("text"):
            canned.append((str(item.get("title") or item.get("label") or item.get("id")), str(item["text"])))
    return ConsoleContent(
        reasons=_labels((handoff or {}).get("reasons")),
        outcomes=_labels((handoff or {}).get("outcomes")) or dict(DEFAULT_OUTCOMES),
        canned=canned,
        branches=_labels((branches or {}).get("branches")),
    )
