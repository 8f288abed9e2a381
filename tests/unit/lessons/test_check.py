"""python -m bot.lessons.check: the report of the shipped courses, and a broken file's reasons."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.lessons.check import lesson_segments, main
from bot.lessons.content import load_courses

ROOT = Path(__file__).resolve().parents[3]


def test_the_report_lists_each_course_and_the_segments_of_each_lesson(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main([str(ROOT / "data")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "3 courses, 15 lessons"
    assert "1. Costos y precios (costos_y_precios): 5 lessons" in lines
    assert (
        "  3. El cuaderno de cada día (cuaderno_diario): messages 1+1+1+1, quiz 1, feedback 1/1; "
        "6 SMS segments for a right answer"
    ) in lines


def test_a_broken_file_exits_1_with_its_reason(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(ROOT / "data" / "lessons", tmp_path / "lessons")
    path = tmp_path / "lessons" / "vender_mas.yml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("          right: true\n", "", 1), encoding="utf-8"
    )
    assert main([str(tmp_path)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"{path}: lesson conozca_sus_clientes: quiz.options: exactly one option must have `right: true`; "
        "0 have it\n"
    )


def test_it_runs_as_a_module_from_the_repository() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot.lessons.check"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("3 courses, 15 lessons\n")


def test_docs_list_every_shipped_lesson_with_its_segment_counts() -> None:
    docs = (ROOT / "docs" / "LESSONS.md").read_text(encoding="utf-8")
    for course in load_courses(ROOT / "data"):
        assert f"### {course.order}. {course.title} (`{course.id}.yml`)" in docs
        for number, lesson in enumerate(course.lessons, 1):
            messages, quiz, right, wrong = lesson_segments(lesson)
            assert set(messages) == {1}
            row = f"| {number} | {lesson.title} (`{lesson.id}`) | {len(messages)} × 1 | {quiz} | {right} / {wrong} |"
            assert row in docs
