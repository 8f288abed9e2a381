"""scripts/nlu_report: Rasa's intent_report.json + intent_errors.json -> figures, confusion pairs, Markdown."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scripts.nlu_report import (
    Bar,
    Results,
    confusion_pairs,
    fallback_threshold,
    intent_rows,
    load_results,
    render,
    unsure_successes,
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
    text = render(
        Results(REPORT, ERRORS, []), BAR, about="Held-out set: 11 examples.", source="models/x.tar.gz"
    )
    assert "Accuracy: **0.818** on 11 examples (bar 0.95: **not met**)" in text
    assert "Intents with f1 under 0.85: inform (0.667), request_loan (0.72)" in text
    assert "| request_loan | 5 | 0.900 | 0.600 | 0.720 |" in text
    # a pipe in a person's message must not break the table
    assert "| request_loan | inform | 2 | quiero un prestamito \\| ya (0.92) |" in text
    assert "Held-out set: 11 examples." in text and "models/x.tar.gz" in text


def test_markdown_says_when_the_bar_is_met() -> None:
    perfect = {"greet": row(1.0, 1.0, 1.0, 3), "accuracy": 1.0}
    text = render(Results(perfect, [], []), BAR, about="", source="m")
    assert "(bar 0.95: **met**)" in text
    assert "Intents with f1 under 0.85: none" in text
    assert "No confusions." in text


def test_load_results_reads_rasa_output_and_tolerates_missing_optional_files(tmp_path: Path) -> None:
    (tmp_path / "intent_report.json").write_text(json.dumps(REPORT), encoding="utf-8")
    assert load_results(tmp_path) == Results(REPORT, [], [])
    (tmp_path / "intent_errors.json").write_text(json.dumps(ERRORS), encoding="utf-8")
    (tmp_path / "intent_successes.json").write_text(json.dumps(SUCCESSES), encoding="utf-8")
    assert load_results(tmp_path) == Results(REPORT, ERRORS, SUCCESSES)


SUCCESSES = [
    error("buenas", "greet", "greet", 0.99),
    error("q mas pues", "greet", "greet", 0.40),
    error("kiero plata", "request_loan", "request_loan", 0.2),
    error("credito pues", "request_loan", "request_loan", 0.449),
]


def test_right_but_under_the_fallback_threshold_counted_per_intent() -> None:
    # rasa test undoes the FallbackClassifier: the running bot would answer these with the fallback
    assert unsure_successes(SUCCESSES, 0.45) == {"request_loan": 2, "greet": 1}
    text = render(Results(REPORT, ERRORS, SUCCESSES), BAR, about="", source="m", threshold=0.45)
    assert (
        "- Right intent but under the fallback threshold 0.45: 3 of 4 right answers (request_loan 2, greet 1)"
        in text
    )


@pytest.mark.parametrize(
    ("pipeline", "expected"),
    [
        ("- name: WhitespaceTokenizer\n- name: FallbackClassifier\n  threshold: 0.45\n", 0.45),
        ("- name: FallbackClassifier\n", 0.3),
        ("- name: DIETClassifier\n", None),
    ],
)
def test_fallback_threshold_read_from_the_config(
    tmp_path: Path, pipeline: str, expected: float | None
) -> None:
    config = tmp_path / "config.yml"
    config.write_text("language: es\npipeline:\n" + "".join(f"  {line}\n" for line in pipeline.splitlines()))
    assert fallback_threshold(config) == expected
