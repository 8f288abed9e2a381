"""Pre-qualification rules: the data validates, each rule decides on its own, products and ranges are right."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from bot.prequal.rules import RULE_IDS, Applicant, PrequalRules, Wait, evaluate, load_prequal_rules
from bot.prequal.sectors import load_sectors
from bot.text import normalise

DATA = Path(__file__).resolve().parents[3] / "data"
RULES = load_prequal_rules(DATA / "prequal_rules.yml", DATA / "municipalities.csv", DATA / "sectors.yml")
RAW: dict[str, Any] = yaml.safe_load((DATA / "prequal_rules.yml").read_text(encoding="utf-8"))

# Passes every rule: a shop in Medellín, two years old, selling 3 million a month, asking for 8 million.
OK = Applicant(
    age=35, document_type="CC", municipality_code="05001", sector="comercio", months_operating=24,
    monthly_sales=3_000_000, loan_purpose="surtir la tienda", amount_requested=8_000_000, has_arrears=False,
)  # fmt: skip


def _rules(edit: Any = None, served: list[str] | None = None) -> PrequalRules:
    data = copy.deepcopy(RAW)
    if edit is not None:
        edit(data)
    data["served_municipalities"] = served or ["05001", "05088"]
    return PrequalRules.model_validate(data)


def test_the_data_files_load_and_validate() -> None:
    assert [rule.id for rule in RULES.rules] == list(RULE_IDS)
    assert [p.id for p in RULES.products] == [
        "credito_agro",
        "credito_digital_rapido",
        "microcredito_empresarial",
    ]
    assert RULES.limits.min_age == 18 and RULES.limits.max_age == 75 and RULES.limits.min_business_months == 6
    assert "05001" in RULES.served_municipalities and "76001" not in RULES.served_municipalities
    sectors = set(load_sectors(DATA / "sectors.yml").ids)
    assert all(set(p.sectors or ()) <= sectors for p in RULES.products)


def test_no_text_says_rechazado() -> None:
    texts = [t for r in RULES.rules for t in (r.explanation, r.next_step)] + list(
        RULES.notes.model_dump().values()
    )
    assert not any("rechaz" in normalise(text) for text in texts)


def test_happy_path_gives_a_product_and_a_range() -> None:
    result = evaluate(OK, RULES)
    assert result.outcome == "prequalified" and result.decision is None
    assert result.product is not None and result.product.id == "microcredito_empresarial"
    assert result.indicative_range == (1_000_000, 9_000_000)  # 3 × monthly sales is below the product's 25 M
    assert result.cap == "sales_multiple" and result.amount_fit == "within"
    assert result.notes == ("El tope depende de sus ventas: hasta 3 veces lo que vende en un mes.",)


@pytest.mark.parametrize(
    ("changes", "rule", "wait", "says"),
    [
        ({"age": 17}, "min_age", Wait(1, "years"), "cuando cumpla 18 años, en 1 año o menos"),
        ({"age": 15}, "min_age", Wait(3, "years"), "en 3 años o menos"),
        ({"age": 76}, "max_age", None, "hasta 75 años"),
        ({"municipality_code": "76001"}, "municipality_served", None, "Todavía no llegamos con créditos a su municipio"),
        ({"municipality_code": "05002"}, "municipality_served", None, "un asesor le puede orientar"),
        ({"document_type": "PA"}, "document_accepted", None, "PPT"),
        ({"document_type": "TI"}, "document_accepted", None, "cédula de ciudadanía"),
        ({"has_arrears": True}, "no_arrears", None, "Cuando esté al día"),
        ({"months_operating": 2}, "min_business_months", Wait(4, "months"), "Escríbanos de nuevo en 4 meses."),
        ({"months_operating": 5}, "min_business_months", Wait(1, "months"), "Escríbanos de nuevo en 1 mes."),
        ({"months_operating": 0}, "min_business_months", Wait(6, "months"), "al menos 6 meses funcionando"),
        ({"monthly_sales": 50_000}, "sales_capacity", None, "Un asesor puede revisar su caso"),
        ({"monthly_sales": 0}, "sales_capacity", None, "muy pesada"),
    ],
)  # fmt: skip
def test_each_rule_failing_on_its_own_decides(
    changes: dict[str, Any], rule: str, wait: Wait | None, says: str
) -> None:
    result = evaluate(replace(OK, **changes), RULES)
    assert result.outcome == "not_yet" and result.product is None and result.indicative_range is None
    assert result.decision is not None and result.decision.rule_id == rule and result.decision.wait == wait
    assert says in result.decision.explanation + " " + result.decision.next_step
    assert [r.rule_id for r in result.results if not r.passed] == [rule]
    assert "{" not in result.decision.explanation + result.decision.next_step


@pytest.mark.parametrize(
    ("age", "passes_min", "passes_max"),
    [(17, False, True), (18, True, True), (75, True, True), (76, True, False)],
)
def test_age_limits_are_inclusive(age: int, passes_min: bool, passes_max: bool) -> None:
    passed = {r.rule_id: r.passed for r in evaluate(replace(OK, age=age), RULES).results}
    assert (passed["min_age"], passed["max_age"]) == (passes_min, passes_max)


def test_document_type_is_read_in_any_case() -> None:
    assert evaluate(replace(OK, document_type="ppt"), RULES).outcome == "prequalified"


def test_product_fit_decides_when_no_product_takes_the_sector() -> None:
    def only_agro(data: dict[str, Any]) -> None:
        data["products"] = [p for p in data["products"] if p["id"] == "credito_agro"]

    result = evaluate(OK, _rules(only_agro))
    assert result.decision is not None and result.decision.rule_id == "product_fit"
    fit = next(r for r in result.results if r.rule_id == "product_fit")
    assert fit.value == [] and not fit.passed


@pytest.mark.parametrize(
    ("changes", "first"),
    [
        ({"age": 16, "municipality_code": "76001", "has_arrears": True}, "min_age"),
        ({"municipality_code": "76001", "has_arrears": True, "months_operating": 2}, "municipality_served"),
        ({"document_type": "PA", "has_arrears": True}, "document_accepted"),
        ({"has_arrears": True, "months_operating": 2}, "no_arrears"),  # "come back in 4 months" would mislead
        ({"months_operating": 2, "monthly_sales": 0}, "min_business_months"),
    ],
)
def test_the_first_failing_rule_in_the_data_order_decides(changes: dict[str, Any], first: str) -> None:
    result = evaluate(replace(OK, **changes), RULES)
    assert result.decision is not None and result.decision.rule_id == first
    assert len([r for r in result.results if not r.passed]) == len(changes)


def test_the_order_is_data() -> None:
    def arrears_last(data: dict[str, Any]) -> None:
        data["rules"].sort(key=lambda rule: rule["id"] == "no_arrears")

    result = evaluate(replace(OK, has_arrears=True, months_operating=2), _rules(arrears_last))
    assert result.decision is not None and result.decision.rule_id == "min_business_months"


@pytest.mark.parametrize(
    ("changes", "product", "indicative", "cap", "fit"),
    [
        # the first product whose range holds the amount, in the data's order
        ({"amount_requested": 4_000_000}, "credito_digital_rapido", (300_000, 5_000_000), "product_max", "within"),
        ({"amount_requested": 5_000_000}, "credito_digital_rapido", (300_000, 5_000_000), "product_max", "within"),
        ({"amount_requested": 5_000_001}, "microcredito_empresarial", (1_000_000, 9_000_000), "sales_multiple", "within"),
        # above every range: the product that goes highest, up to its max
        ({"amount_requested": 40_000_000, "monthly_sales": 20_000_000}, "microcredito_empresarial",
         (1_000_000, 25_000_000), "product_max", "above"),
        # below every range: the product that starts lowest
        ({"amount_requested": 100_000}, "credito_digital_rapido", (300_000, 5_000_000), "product_max", "below"),
        # the sales cap lowers the top: 3 × 1 M
        ({"amount_requested": 4_000_000, "monthly_sales": 1_000_000}, "credito_digital_rapido",
         (300_000, 3_000_000), "sales_multiple", "above"),
        # a product the sales cannot carry is skipped: 3 × 200 k is below the Microcrédito's 1 M minimum
        ({"amount_requested": 2_000_000, "monthly_sales": 200_000}, "credito_digital_rapido",
         (300_000, 600_000), "sales_multiple", "above"),
        # sector products: Agro needs 12 months, so a younger farm gets the general product
        ({"sector": "agro", "amount_requested": 15_000_000, "monthly_sales": 6_000_000}, "credito_agro",
         (1_000_000, 18_000_000), "sales_multiple", "within"),
        ({"sector": "agro", "months_operating": 8, "amount_requested": 3_000_000}, "credito_digital_rapido",
         (300_000, 5_000_000), "product_max", "within"),
    ],
)  # fmt: skip
def test_product_and_indicative_range(
    changes: dict[str, Any], product: str, indicative: tuple[int, int], cap: str, fit: str
) -> None:
    result = evaluate(replace(OK, **changes), RULES)
    assert result.outcome == "prequalified" and result.product is not None
    assert (result.product.id, result.indicative_range, result.cap, result.amount_fit) == (
        product, indicative, cap, fit,
    )  # fmt: skip


def test_amount_above_every_range_is_said() -> None:
    result = evaluate(replace(OK, amount_requested=40_000_000, monthly_sales=5_000_000), RULES)
    assert result.indicative_range == (1_000_000, 15_000_000)
    assert result.notes == (
        RULES.notes.above_range,
        "El tope depende de sus ventas: hasta 3 veces lo que vende en un mes.",
    )


def test_the_audit_trail_has_every_rule_and_is_json() -> None:
    for applicant in (OK, replace(OK, age=17, has_arrears=True, monthly_sales=0)):
        stored = json.loads(json.dumps(evaluate(applicant, RULES).to_dict()))
        assert [r["rule_id"] for r in stored["rules"]] == list(RULE_IDS)
        assert set(stored["rules"][0]) == {"rule_id", "passed", "value", "threshold"}
        assert stored["rules_version"] == RULES.version
    stored = evaluate(replace(OK, months_operating=2), RULES).to_dict()
    assert stored["decision"]["wait"] == {"amount": 4, "unit": "months"}  # type: ignore[index]
    business = next(r for r in stored["rules"] if r["rule_id"] == "min_business_months")  # type: ignore[attr-defined]
    assert business == {"rule_id": "min_business_months", "passed": False, "value": 2, "threshold": 6}
    assert evaluate(OK, RULES).to_dict()["indicative_range"] == [1_000_000, 9_000_000]


@pytest.mark.parametrize(("wait", "text"), [(Wait(1, "months"), "1 mes"), (Wait(4, "months"), "4 meses"),
                                            (Wait(1, "years"), "1 año"), (Wait(2, "years"), "2 años")])  # fmt: skip
def test_wait_text(wait: Wait, text: str) -> None:
    assert wait.text == text


@pytest.mark.parametrize("field", ["age", "months_operating", "monthly_sales", "amount_requested"])
def test_negative_numbers_are_refused(field: str) -> None:
    with pytest.raises(ValueError, match="negative"):
        replace(OK, **{field: -1})


def _product(data: dict[str, Any], product_id: str) -> dict[str, Any]:
    return next(p for p in data["products"] if p["id"] == product_id)


def _set(path: str, value: Any) -> Any:
    """An edit of the raw data: "limits.min_age", "rules.0.id", "products.credito_agro.min_amount"."""

    def edit(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = data
        for part in parents:
            if isinstance(target, list):
                target = target[int(part)] if part.isdigit() else next(p for p in target if p["id"] == part)
            else:
                target = target[part]
        target[last] = value

    return edit


@pytest.mark.parametrize(
    ("edit", "error"),
    [
        (lambda d: d["rules"].pop(), "exactly once"),
        (lambda d: d["rules"].append(dict(d["rules"][0])), "exactly once"),
        (_set("rules.0.id", "credit_score"), "id"),
        (_set("rules.0.next_step", "Su solicitud fue rechazada."), "rechazado"),
        (_set("notes.above_range", "Monto RECHAZADO"), "rechazado"),
        (_set("rules.2.explanation", "No llegamos en {wait}."), "placeholders"),  # municipality has no wait
        (_set("rules.0.explanation", "Faltan {months}."), "placeholders"),
        (_set("notes.sales_cap", "Hasta {max}."), "placeholders"),
        (_set("products.credito_agro.min_amount", 20_000_000), "min < max"),
        (_set("products.credito_agro.max_term_months", 6), "min < max"),
        (_set("products.credito_agro.min_business_months", 3), "below the global minimum"),
        (_set("products.credito_agro.id", "credito_digital_rapido"), "only once"),
        (_set("products.credito_agro.min_amount", -1), "greater than 0"),
        (_set("products.credito_agro.tasa", 2.1), "tasa"),
        (_set("products", []), "products"),
        (_set("limits.min_age", 80), "below max_age"),
        (_set("limits.accepted_documents", []), "accepted_documents"),
        (_set("version", ""), "version"),
    ],
)  # fmt: skip
def test_invalid_rule_data_is_refused(edit: Any, error: str) -> None:
    with pytest.raises(ValidationError, match=error):
        _rules(edit)


def test_served_codes_must_be_dane_codes() -> None:
    with pytest.raises(ValidationError, match="5-digit"):
        _rules(served=["5001"])


@pytest.mark.parametrize(
    ("extra", "error"),
    [({"served_municipalities": ["05001"]}, "municipalities.csv"), ({"products": [{"id": "x", "sectors": ["pesca"]}]}, "")],
)  # fmt: skip
def test_the_loader_refuses_coverage_in_the_rules_and_unknown_sectors(
    tmp_path: Path, extra: dict[str, Any], error: str
) -> None:
    data = copy.deepcopy(RAW)
    if "products" in extra:
        _product(data, "credito_agro")["sectors"] = ["pesca"]
        error = "unknown sectors"
    else:
        data.update(extra)
    path = tmp_path / "prequal_rules.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises((ValidationError, ValueError), match=error):
        load_prequal_rules(path, DATA / "municipalities.csv", DATA / "sectors.yml")
