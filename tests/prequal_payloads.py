"""The ``record_prequal`` command as the action server sends it: real answers and their real evaluation
against data/prequal_rules.yml, through JSON. Shared by the unit and integration tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bot.prequal.rules import Applicant, evaluate, load_prequal_rules

DATA = Path(__file__).resolve().parents[1] / "data"
RULES = load_prequal_rules(DATA / "prequal_rules.yml", DATA / "municipalities.csv", DATA / "sectors.yml")
NAME, NUMBER = "Luz Dary Restrepo", "1036123456"
ANSWERS: dict[str, Any] = {
    "nombre": NAME, "edad": 35, "tipo_documento": "cc", "numero_documento": NUMBER, "municipio": "05001",
    "sector": "comercio", "meses_negocio": 24, "ventas_mensuales": 3_000_000,
    "destino_credito": "comprar mercancia", "monto": 2_000_000, "mora": False,
}  # fmt: skip


def payload(**changes: Any) -> dict[str, Any]:
    """Prequalified as it stands; ``mora=True`` or ``edad=17`` give a not_yet."""
    a = {**ANSWERS, **changes}
    applicant = Applicant(
        age=a["edad"], document_type=a["tipo_documento"], municipality_code=a["municipio"],
        sector=a["sector"], months_operating=a["meses_negocio"], monthly_sales=a["ventas_mensuales"],
        loan_purpose=a["destino_credito"], amount_requested=a["monto"], has_arrears=a["mora"],
    )  # fmt: skip
    evaluation = evaluate(applicant, RULES).to_dict()
    command = {"famibot_command": "record_prequal", "answers": a, "evaluation": evaluation}
    return dict(json.loads(json.dumps(command)))
