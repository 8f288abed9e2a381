"""The trained model is good enough: valid training data, held-out intent accuracy, passing test stories.

Runs the real Rasa CLI (from .venv-rasa) against models/famibot.tar.gz, which `make test` trains or reuses
first. Two Rasa commands per session: `rasa data validate`, then one `rasa test` that evaluates the test
stories end to end (user text -> NLU -> predicted actions) and the held-out NLU examples. The held-out
bar is the issue's: accuracy >= 0.95 and no intent with f1 under 0.85; each run writes the docs/NLU.md page
(scripts/nlu_report.py: per-intent figures and confusion pairs) to var/nlu-report.md.
Children get tests/netguard first on PYTHONPATH, so Rasa cannot reach beyond loopback.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from rapidfuzz import fuzz, process

from scripts.nlu_report import (
    CONFIG,
    PROJECT_BAR,
    fallback_threshold,
    heldout_about,
    intent_rows,
    load_results,
    render,
    weak_intents,
)
from tests.e2e.processes import ROOT, child_env

NLU = ROOT / "nlu"
MODEL = ROOT / "models" / "famibot.tar.gz"
RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
HELDOUT = NLU / "tests" / "nlu_heldout.yml"
TEST_STORIES = NLU / "tests" / "test_stories.yml"
# The project's bar (issue 10): held-out accuracy >= 0.95 and no intent with f1 under 0.85.
MIN_ACCURACY = PROJECT_BAR.min_accuracy
MIN_F1 = PROJECT_BAR.min_f1
# A held-out example this close to a training one (rapidfuzz ratio on normalised text, 0-100) is the same
# message with a word added or a letter changed: it measures memory, not understanding.
NEAR_DUPLICATE = 90
REPORT_MD = ROOT / "var" / "nlu-report.md"  # the docs/NLU.md page for this run, so a CI run shows it
VALIDATE_TIMEOUT_S = 120
TEST_TIMEOUT_S = 240  # below pytest-timeout's 300 s, which also counts fixture setup
# [text](entity), [text]{"entity": ...}, [text]{"entity": ...}(...) -> text
ENTITY_ANNOTATION = re.compile(r"\[(?P<text>[^\]]*)\](?:\{[^}]*\}|\([^)]*\))+")


@dataclass
class Run:
    command: list[str]
    returncode: int
    output: str
    seconds: float

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.output.splitlines()[-lines:])


def rasa(args: list[str], log: Path, timeout_s: float) -> Run:
    """Run the Rasa CLI in its own process group; kill the whole group if it overruns."""
    if not RASA.exists():
        pytest.fail(f"no Rasa CLI at {RASA}: run `make setup` (scripts/setup.sh)")
    command = [str(RASA), *args]
    env = child_env({"SQLALCHEMY_SILENCE_UBER_WARNING": "1"})
    started = time.monotonic()
    with log.open("wb") as out:
        popen = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            popen.wait(timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(popen.pid, signal.SIGKILL)
            popen.wait(10)
            text = log.read_text(errors="replace")
            pytest.fail(
                f"`{' '.join(args)}` did not finish within {timeout_s} s; last output:\n{text[-4000:]}"
            )
    return Run(
        command, popen.returncode, log.read_text(errors="replace"), round(time.monotonic() - started, 1)
    )


@pytest.fixture(scope="session")
def validation(tmp_path_factory: pytest.TempPathFactory) -> Run:
    out = tmp_path_factory.mktemp("rasa-validate")
    return rasa(
        [
            "data",
            "validate",
            "--domain",
            "nlu/domain",
            "--data",
            "nlu/data",
            "--config",
            "nlu/config.yml",
            "--fail-on-warnings",
        ],
        out / "validate.log",
        VALIDATE_TIMEOUT_S,
    )


@pytest.fixture(scope="session")
def evaluation(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`rasa test` (stories end to end + NLU on the held-out file) once; returns its --out folder."""
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make model` (scripts/train.sh); `make test` does")
    out = tmp_path_factory.mktemp("rasa-test")
    results = out / "results"
    run = rasa(
        [
            "test",
            "--model",
            str(MODEL),
            "--stories",
            str(TEST_STORIES),
            "--nlu",
            str(HELDOUT),
            "--domain",
            "nlu/domain",
            "--out",
            str(results),
            "--no-plot",
            "--successes",  # the report counts right intents under the fallback threshold
        ],
        out / "rasa-test.log",
        TEST_TIMEOUT_S,
    )
    if run.returncode != 0:
        pytest.fail(f"`rasa test` exited with {run.returncode} after {run.seconds} s:\n{run.tail()}")
    missing = [name for name in ("intent_report.json", "story_report.json") if not (results / name).exists()]
    if missing:
        pytest.fail(f"`rasa test` wrote no {missing} in {results}:\n{run.tail()}")
    return results


# --- YAML helpers (no Rasa import: the test venv does not have it) ---------------------------------


def strip_annotations(text: str) -> str:
    return ENTITY_ANNOTATION.sub(lambda m: m["text"], text)


def normalise(text: str) -> str:
    """Case, accents, punctuation and spacing do not make an example new."""
    text = unicodedata.normalize("NFKD", strip_annotations(text).casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"[^\w\s]", " ", text)
    return " ".join(text.split())


def _examples(value: Any) -> Iterable[str]:
    if isinstance(value, str):  # "- example" lines in a block string
        for line in value.splitlines():
            line = line.strip()
            if line.startswith("- "):
                yield line[2:].strip()
    elif isinstance(value, list):  # [{text: ..., metadata: ...}, ...]
        for item in value:
            yield str(item["text"]) if isinstance(item, dict) else str(item)


def intent_examples(*paths: Path) -> dict[str, list[str]]:
    files = sorted(f for p in paths for f in ([p] if p.is_file() else p.rglob("*.yml")))
    assert files, f"no YAML files in {paths}"
    examples: dict[str, list[str]] = {}
    for path in files:
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            if "intent" in block:
                examples.setdefault(str(block["intent"]), []).extend(_examples(block.get("examples")))
    return examples


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


# --- tests -------------------------------------------------------------------------------------------


def test_training_data_validates_without_warnings(validation: Run) -> None:
    assert validation.returncode == 0, (
        f"`rasa data validate --fail-on-warnings` exited with {validation.returncode}:\n{validation.tail()}"
    )


def test_heldout_examples_are_not_in_the_training_data() -> None:
    training: dict[str, tuple[str, str]] = {}
    for intent, texts in intent_examples(NLU / "data").items():
        for text in texts:
            training.setdefault(normalise(text), (intent, text))
    heldout = intent_examples(HELDOUT)
    assert sum(map(len, heldout.values())) > 0, f"no examples in {HELDOUT}"
    leaked = [
        f"{intent}: {text!r} == training {training[normalise(text)]}"
        for intent, texts in heldout.items()
        for text in texts
        if normalise(text) in training
    ]
    assert not leaked, "held-out examples found in the training data (the accuracy would mean nothing):\n" + (
        "\n".join(leaked)
    )


def test_heldout_examples_are_not_near_duplicates_of_training_examples() -> None:
    training = [
        (normalise(text), intent, text)
        for intent, texts in intent_examples(NLU / "data").items()
        for text in texts
    ]
    choices = [key for key, _, _ in training]
    near = []
    for intent, texts in intent_examples(HELDOUT).items():
        for text in texts:
            match = process.extractOne(
                normalise(text), choices, scorer=fuzz.ratio, score_cutoff=NEAR_DUPLICATE
            )
            if match is not None:
                _, training_intent, training_text = training[match[2]]
                near.append(f"{intent}: {text!r} ~ {training_intent}: {training_text!r} ({match[1]:.0f})")
    assert not near, (
        f"held-out examples within ratio {NEAR_DUPLICATE} of a training example; rewrite the held-out one "
        "(never the training data):\n" + "\n".join(near)
    )


def test_heldout_intent_accuracy(
    evaluation: Path, record_property: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    results = load_results(evaluation)
    report, errors = results.report, results.errors
    rows = intent_rows(report)
    expected = sum(map(len, intent_examples(HELDOUT).values()))
    evaluated = sum(row.support for row in rows)
    assert evaluated == expected, f"Rasa evaluated {evaluated} held-out examples, the file has {expected}"

    REPORT_MD.parent.mkdir(parents=True, exist_ok=True)
    about, source = heldout_about(HELDOUT), str(MODEL.relative_to(ROOT))
    page = render(results, PROJECT_BAR, about=about, source=source, threshold=fallback_threshold(CONFIG))
    REPORT_MD.write_text(page, encoding="utf-8")
    accuracy = float(report["accuracy"])
    weak = weak_intents(rows, PROJECT_BAR)
    misses = [f"  {e['text']!r}: {e['intent']} -> {e['intent_prediction']['name']}" for e in errors]
    summary = f"held-out intent accuracy {accuracy:.3f} on {evaluated} examples (bar {MIN_ACCURACY})"
    weak_line = f"intents with f1 < {MIN_F1}: {weak or 'none'}"
    record_property("nlu_heldout_intent_accuracy", round(accuracy, 4))
    record_property("nlu_heldout_weak_intents", weak)
    print(summary)
    with capsys.disabled():  # visible in the terminal even when the test passes
        print(f"\n[model quality] {summary}; {weak_line}; confusion pairs in {REPORT_MD}")

    detail = f"{summary}\n{weak_line}\nconfusion pairs: {REPORT_MD}\nmisclassified:\n" + "\n".join(misses)
    assert accuracy >= MIN_ACCURACY, detail
    assert not weak, detail


def test_every_test_story_passes(evaluation: Path) -> None:
    conversations = load_json(evaluation / "story_report.json").get("conversation_accuracy")
    expected = len((yaml.safe_load(TEST_STORIES.read_text(encoding="utf-8")) or {}).get("stories") or [])
    assert conversations, (
        "story_report.json has no conversation_accuracy: Rasa evaluated no story "
        "(in end-to-end mode it only reads story files whose name starts with test_)"
    )
    failed_path = evaluation / "failed_test_stories.yml"
    failed_text = failed_path.read_text(encoding="utf-8") if failed_path.exists() else ""
    failed = (yaml.safe_load(failed_text) or {}).get("stories") or []
    names = [story.get("story", "?") for story in failed]
    all_passed = not failed and conversations["correct"] == conversations["total"]
    assert all_passed, (
        f"{conversations['total'] - conversations['correct']} of {conversations['total']} test stories failed: "
        f"{names}\n{failed_text}"
    )
    assert conversations["total"] == expected, (
        f"Rasa evaluated {conversations['total']} stories, {TEST_STORIES.name} has {expected}"
    )
