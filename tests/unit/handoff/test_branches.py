"""Branches (data/branches.yml): every municipality of data/municipalities.csv has exactly one branch."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.handoff.rules import Branches, HandoffData, load_handoff_rules, refuse_example_offices
from tests.prod_data import real_data_dir

DATA = Path(__file__).resolve().parents[3] / "data"
RULES = load_handoff_rules(DATA)
MUNICIPALITIES = list(csv.DictReader((DATA / "municipalities.csv").read_text(encoding="utf-8").splitlines()))


def test_every_municipality_maps_to_exactly_one_branch_or_explicitly_to_the_default() -> None:
    for row in MUNICIPALITIES:
        code = row["dane_code"]
        listing = [b.id for b in RULES.branches.branches if code in b.municipalities]
        if row["department"] == "Antioquia":  # the organisation's region: each listed exactly once
            assert len(listing) == 1, (row["name"], listing)
            assert RULES.branch_for(code) == listing[0]
        else:  # outside Antioquia: no branch lists it; the default takes it
            assert listing == [], (row["name"], listing)
            assert RULES.branch_for(code) == RULES.branches.default_branch == "medellin_centro"


@pytest.mark.parametrize(
    ("municipality", "branch"),
    [
        ("05001", "medellin_centro"),
        ("Medellín", "medellin_centro"),
        ("medellin", "medellin_centro"),
        ("05088", "bello"),
        ("Itagüí", "itagui"),
        ("Envigado", "envigado"),
        ("Sabaneta", "envigado"),
        ("Copacabana", "medellin_norte"),
        ("Rionegro", "rionegro"),
        ("El Carmen de Viboral", "rionegro"),
        ("Turbo", "apartado"),
        ("Caucasia", "caucasia"),
        ("Puerto Berrío", "puerto_berrio"),
        ("11001", "medellin_centro"),  # Bogotá: the default
        ("Armenia", "medellin_centro"),  # Antioquia's and Quindío's: unsure → the default
        ("Narnia", "medellin_centro"),
        ("", "medellin_centro"),
        (None, "medellin_centro"),
    ],
)
def test_branch_for(municipality: str | None, branch: str) -> None:
    assert RULES.branch_for(municipality) == branch


def test_a_municipality_in_two_branches_or_an_unknown_default_is_refused() -> None:
    one = {
        "id": "a",
        "name": "A",
        "area": "x",
        "address": "Calle 1",
        "hours": "lunes",
        "municipalities": ["05001"],
    }
    with pytest.raises(ValidationError, match="more than one branch"):
        Branches.model_validate({"default_branch": "a", "branches": [one, {**one, "id": "b", "name": "B"}]})
    with pytest.raises(ValidationError, match="default_branch"):
        Branches.model_validate({"default_branch": "z", "branches": [one]})
    with pytest.raises(ValidationError, match="DANE"):
        Branches.model_validate({"default_branch": "a", "branches": [{**one, "municipalities": ["5001"]}]})


def test_branches_naming_a_municipality_not_in_the_csv_are_refused() -> None:
    branches = Branches.model_validate(
        {
            "default_branch": "a",
            "branches": [
                {
                    "id": "a",
                    "name": "A",
                    "area": "x",
                    "address": "Calle 1",
                    "hours": "lunes a viernes",
                    "municipalities": ["05999"],
                }
            ],
        }
    )
    with pytest.raises(ValueError, match="05999"):
        branches.check_codes(RULES.municipalities)


def test_reasons_have_priorities_and_spanish_labels() -> None:
    reasons = RULES.data.reasons
    assert {
        "user_asked",
        "offered_after_retries",
        "prequalified",
        "bot_failure",
        "cannot_pay",
        "documents_review",
    } <= set(reasons)
    assert reasons["cannot_pay"].priority < reasons["prequalified"].priority < reasons["user_asked"].priority
    raw = {
        "reasons": {"user_asked": {"priority": 1, "label": "x"}},
        "expected_wait": RULES.data.expected_wait.model_dump(),
    }
    with pytest.raises(ValidationError, match="missing"):  # the gateway's own reasons must be there
        HandoffData.model_validate(raw)


def test_prod_refuses_the_example_office_addresses_and_accepts_real_ones(tmp_path: Path) -> None:
    shipped = load_handoff_rules(DATA).branches
    assert shipped.example_addresses  # the shipped addresses are examples, and say so
    with pytest.raises(ValueError, match="example office addresses"):
        refuse_example_offices(shipped, app_env="prod")
    refuse_example_offices(shipped, app_env="dev")  # make run and the tests may use them
    refuse_example_offices(load_handoff_rules(real_data_dir(tmp_path)).branches, app_env="prod")
