"""scripts/nlu_report: Rasa's intent_report.json + intent_errors.json -> figures, confusion pairs, Markdown."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scripts.nlu_report import (
    Bar,
    confusion_pairs,
    intent_rows,
    load_results,
    render,
    weak_intents,
)

BAR = Bar(min_accuracy=0.95, min_f1=0.85)


def row(precision: float, recall: float, f1: float, support: int) -> dict[str, object]:
    return {"precision": precision, "recall": recall, "f1-score": f1, "support": support, "confused_with": {}}


REPORT: dict[str, object] = {
    "greet": row(1.0, 1.0, 1.0, 4),
    "request_loan": row(0.9, 0.6, 0.72, 5),
    "inform": row(0.5, 1.0, 0.667, 2),
    "nlu_fallback": row(0.0, 0.0, 0.0, 0),  # predicted, never expected: not an intent of the set
    "accuracy": 0.8181,
    "macro avg": row(0.6, 0.65, 0.6, 11),
    "weighted avg": row(0.8, 0.82, 0.8, 11),
}


def error(text: str, expected: str, predicted: str | None, confidence: float) -> dict[str, object]:
    return {
        "text": text,
        "intent": expected,
        "intent_prediction": {"name": predicted, "confidence": confidence},
    }


ERRORS = [
    error("mija necesito 2 palos pa la tienda", "request_loan", "inform", 0.81),
    error("quiero un prestamito | ya", "request_loan", "inform", 0.92),
    error("kiero credto", "request_loan", "nlu_fallback", 0.3),
    error("hola pues y el credito", "greet", None, 0.0),
]


def test_rows_keep_intents_with_support_and_sort_weakest_first() -> None:
    rows = intent_rows(REPORT)
    assert [r.intent for r in rows] == ["inform", "request_loan", "greet"]
    assert rows[1].support == 5 and rows[1].f1 == pytest.approx(0.72)


def test_weak_intents_are_those_under_the_f1_bar_and_ignore_labels_never_expected() -> None:
    assert weak_intents(intent_rows(REPORT), BAR) == {"inform": 0.667, "request_loan": 0.72}


@pytest.mark.parametrize(
    ("expected", "predicted", "count", "example", "confidence"),
    [
        # the example is the most confident mistake: the one the model was surest of
        ("request_loan", "inform", 2, "quiero un prestamito | ya", 0.92),
        ("greet", "(none)", 1, "hola pues y el credito", 0.0),
        ("request_loan", "nlu_fallback", 1, "kiero credto", 0.3),
    ],
)
def test_confusion_pairs_counted_with_their_surest_example(
    expected: str, predicted: str, count: int, example: str, confidence: float
) -> None:
    pairs = {(p.expected, p.predicted): p for p in confusion_pairs(ERRORS)}
    pair = pairs[(expected, predicted)]
    assert (pair.count, pair.example, pair.confidence) == (count, example, confidence)


def test_confusion_pairs_most_frequent_first() -> None:
    first = confusion_pairs(ERRORS)[0]
    assert (first.expected, first.predicted, first.count) == ("request_loan", "inform", 2)


def test_markdown_states_figures_bars_and_pairs() -> None:
    text = render(REPORT, ERRORS, BAR, about="Held-out set: 11 examples.", source="models/x.tar.gz")
    assert "Accuracy: **0.818** on 11 examples (bar 0.95: **not met**)" in text
    assert "Intents with f1 under 0.85: inform (0.667), request_loan (0.72)" in text
    assert "| request_loan | 5 | 0.900 | 0.600 | 0.720 |" in text
    # a pipe in a person's message must not break the table
    assert "| request_loan | inform | 2 | quiero un prestamito \\| ya (0.92) |" in text
    assert "Held-out set: 11 examples." in text and "models/x.tar.gz" in text


def test_markdown_says_when_the_bar_is_met() -> None:
    perfect = {"greet": row(1.0, 1.0, 1.0, 3), "accuracy": 1.0}
    text = render(perfect, [], BAR, about="", source="m")
    assert "(bar 0.95: **met**)" in text
    assert "Intents with f1 under 0.85: none" in text
    assert "No confusions." in text


def test_load_results_reads_rasa_output_and_tolerates_no_errors_file(tmp_path: Path) -> None:
    (tmp_path / "intent_report.json").write_text(json.dumps(REPORT), encoding="utf-8")
    report, errors = load_results(tmp_path)
    assert report["accuracy"] == 0.8181 and errors == []
    (tmp_path / "intent_errors.json").write_text(json.dumps(ERRORS), encoding="utf-8")
    assert load_results(tmp_path)[1] == ERRORS
