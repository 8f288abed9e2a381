"""The shipped data/ as an organisation would deploy it: its own consent details and offices, not the
placeholders.

Production refuses to start while data/consent.yml names the example organisation (bot/consent.py), so a
test of a production process or runtime runs on this copy.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from tests.e2e.processes import ROOT


def real_data_dir(tmp_path: Path) -> Path:
    """A copy of data/ under ``tmp_path`` with the organisation's own consent details, offices and payment
    channels."""
    data = shutil.copytree(ROOT / "data", tmp_path / "data")
    consent = yaml.safe_load((data / "consent.yml").read_text(encoding="utf-8"))
    consent |= {
        "organisation": "Corporación Manos que Emprenden",
        "contact": "datos@manosqueemprenden.co",
        "policy_url": "manosqueemprenden.co/datos",
    }
    (data / "consent.yml").write_text(yaml.safe_dump(consent, allow_unicode=True), encoding="utf-8")
    branches = yaml.safe_load((data / "branches.yml").read_text(encoding="utf-8"))
    branches["example_addresses"] = False  # the organisation set its real offices
    (data / "branches.yml").write_text(yaml.safe_dump(branches, allow_unicode=True), encoding="utf-8")
    channels = yaml.safe_load((data / "payment_channels.yml").read_text(encoding="utf-8"))
    channels["example_values"] = False  # the organisation set its real account, agreement and link
    (data / "payment_channels.yml").write_text(yaml.safe_dump(channels, allow_unicode=True), encoding="utf-8")
    return data
