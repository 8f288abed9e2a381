"""The products' terms (data/prequal_rules.yml) and the answers' words (data/loan_terms.yml) are validated."""

from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from bot.loan_terms.terms import ProductTerms, effective_annual
from bot.loan_terms.texts import LoanTermsTexts, load_loan_terms_texts
from bot.prequal.data import load_prequal_data
from bot.prequal.rules_data import load_prequal_rules

DATA = Path(__file__).resolve().parents[3] / "data"
RULES_RAW = yaml.safe_load((DATA / "prequal_rules.yml").read_text(encoding="utf-8"))
TEXTS_RAW = yaml.safe_load((DATA / "loan_terms.yml").read_text(encoding="utf-8"))
PRODUCTS = frozenset(p["id"] for p in RULES_RAW["products"])


def test_the_published_rates_agree_and_stay_in_microcredit_ranges() -> None:
    for product in load_prequal_data(DATA).rules.products:
        terms = product.terms
        assert Decimal("1.5") <= terms.monthly_rate_percent <= Decimal("2.7"), product.id
        assert terms.effective_annual_percent < 55, f"{product.id}: above the microcredit usury cap"
        assert abs(effective_annual(terms.monthly_rate_percent) - terms.effective_annual_percent) < 0.01


def test_effective_annual() -> None:
    # (1.02)^12 − 1 = 0.268242 → 26.82 %
    assert round(effective_annual(Decimal(2)), 2) == Decimal("26.82")


@pytest.mark.parametrize(
    ("edit", "error"),
    [
        ({"effective_annual_percent": 26.82}, "does not match"),  # 2,2 % M.V. is 29,84 % E.A.
        ({"monthly_rate_percent": 2.5}, "does not match"),
        ({"fees": [{"label": "seguro", "short_label": "seguro"}]}, "not both"),
        ({"fees": [{"label": "x", "short_label": "x", "percent_of_amount": 1, "pesos_per_million_monthly": 9}]},
         "not both"),
        ({"tasa": 2.2}, "tasa"),
    ],
)  # fmt: skip
def test_terms_that_disagree_are_refused(tmp_path: Path, edit: dict[str, Any], error: str) -> None:
    data = copy.deepcopy(RULES_RAW)
    data["products"][-1]["terms"].update(edit)
    path = tmp_path / "prequal_rules.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValidationError, match=error):
        load_prequal_rules(path, DATA / "municipalities.csv", DATA / "sectors.yml")


def test_a_product_without_terms_is_refused(tmp_path: Path) -> None:
    data = copy.deepcopy(RULES_RAW)
    del data["products"][0]["terms"]
    path = tmp_path / "prequal_rules.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValidationError, match="terms"):
        load_prequal_rules(path, DATA / "municipalities.csv", DATA / "sectors.yml")


def test_terms_accept_a_zero_rate_product() -> None:
    assert (
        ProductTerms(monthly_rate_percent=Decimal(0), effective_annual_percent=Decimal(0)).monthly_rate == 0
    )


def _texts(**edits: Any) -> dict[str, Any]:
    data = copy.deepcopy(TEXTS_RAW)
    for key, value in edits.items():
        if value is None:
            del data["texts"][key]
        else:
            data["texts"][key] = value
    return data


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (_texts(rate="La tasa es {tasa}."), "placeholders"),
        (_texts(instalment="Su cuota es {cuota}."), "aproximada"),
        (_texts(instalment_short="Cuota: {cuota}, aproximada."), "aproximada"),
        (_texts(ask_both=None), "missing"),
        (_texts(other="hola"), "unknown"),
        (_texts(fees=" "), "empty"),
        ({**TEXTS_RAW, "default_product": "credito_lunar"}, "not a product"),
    ],
)
def test_invalid_texts_are_refused(data: dict[str, Any], error: str) -> None:
    with pytest.raises(ValidationError, match=error):
        LoanTermsTexts.model_validate(data, context={"products": PRODUCTS})


def test_the_texts_file_loads() -> None:
    texts = load_loan_terms_texts(DATA / "loan_terms.yml", PRODUCTS)
    assert texts.default_product in PRODUCTS
