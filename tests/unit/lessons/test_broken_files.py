"""A broken course file is refused at load with the file, the lesson and the reason; a new file is a
new course, with no code."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.lessons.content import CourseFileError, load_courses

DATA = Path(__file__).resolve().parents[3] / "data"
SHIPPED = sorted(path.name for path in (DATA / "lessons").glob("*.yml"))
FILE = "cuentas_claras.yml"
LESSON = "cuaderno_diario"  # the third lesson of FILE
LONG = "Ejemplo: " + "la libra de harina le cuesta $3.000 y con ella saca 20 arepas. " * 3
Change = Callable[[dict[str, Any]], None]


def copy_data(tmp_path: Path) -> Path:
    (tmp_path / "lessons").mkdir()
    for name in SHIPPED:
        shutil.copy(DATA / "lessons" / name, tmp_path / "lessons" / name)
    return tmp_path


def write(data_dir: Path, name: str, course: dict[str, Any]) -> None:
    text = yaml.safe_dump(course, allow_unicode=True, sort_keys=False)
    (data_dir / "lessons" / name).write_text(text, encoding="utf-8")


def shipped(name: str = FILE) -> dict[str, Any]:
    course: dict[str, Any] = yaml.safe_load((DATA / "lessons" / name).read_text(encoding="utf-8"))
    return course


def lesson(course: dict[str, Any], lesson_id: str = LESSON) -> dict[str, Any]:
    found: dict[str, Any] = next(item for item in course["lessons"] if item["id"] == lesson_id)
    return found


def refusal(tmp_path: Path, change: Change, name: str = FILE) -> str:
    data_dir = copy_data(tmp_path)
    course = shipped(name)
    change(course)
    write(data_dir, name, course)
    with pytest.raises(CourseFileError) as refused:
        load_courses(data_dir)
    assert refused.value.path.name == name
    return str(refused.value)


def options(*rights: bool) -> list[dict[str, Any]]:
    return [{"title": f"${n}.000", "right": right} for n, right in enumerate(rights, 1)]


def set_quiz(key: str, value: Any) -> Change:
    return lambda course: lesson(course)["quiz"].__setitem__(key, value)


CASES: list[tuple[str, Change, str]] = [
    # label, the change to a shipped file, what the reason says after "lesson cuaderno_diario: "
    ("two right options", set_quiz("options", options(True, True, False)),
     "quiz.options: exactly one option must have `right: true`; 2 have it"),
    ("no right option", set_quiz("options", options(False, False)),
     "quiz.options: exactly one option must have `right: true`; 0 have it"),
    ("one option", set_quiz("options", options(True)), "quiz.options: a quiz has 2 to 4 options; this one has 1"),
    ("five options", set_quiz("options", options(True, False, False, False, False)),
     "quiz.options: a quiz has 2 to 4 options; this one has 5"),
    ("two options with the same title", set_quiz("options", [{"title": "$100.000", "right": True},
                                                            {"title": "$100.000"}]),
     "quiz.options: two options have the same title"),
    ("an option too long for a button", set_quiz("options", [{"title": "Lo que entró menos lo que salió",
                                                             "right": True}, {"title": "Otra"}]),
     "quiz.options.1.title: String should have at most 20 characters"),
    ("missing feedback_wrong", lambda course: lesson(course)["quiz"].pop("feedback_wrong"),
     "quiz.feedback_wrong: Field required"),
    ("empty feedback_right", set_quiz("feedback_right", "  "), "quiz.feedback_right: String should have at least 1"),
    ("feedback of two segments", set_quiz("feedback_right", LONG),
     "quiz: feedback_right takes 2 SMS segments"),
    ("quiz of three segments", set_quiz("question", LONG * 2),
     "quiz: the question with its numbered options takes 3 SMS segments"),
    ("a message of two segments", lambda course: lesson(course)["messages"].insert(2, LONG),
     "messages: message 3 takes 2 SMS segments (197 characters after GSM-7 folding); the limit is 1 segment"),
    ("one message", lambda course: lesson(course).__setitem__("messages", ["Solo uno."]),
     "messages: a lesson has 2 to 5 messages; this one has 1"),
    ("six messages", lambda course: lesson(course).__setitem__("messages", ["Corto."] * 6),
     "messages: a lesson has 2 to 5 messages; this one has 6"),
    ("a misspelt key", lambda course: lesson(course)["quiz"].__setitem__("feedback_rigth", "¡Bien!"),
     "quiz.feedback_rigth: Extra inputs are not permitted"),
]  # fmt: skip


@pytest.mark.parametrize(("label", "change", "reason"), CASES, ids=[case[0] for case in CASES])
def test_a_broken_lesson_is_refused_naming_file_lesson_and_reason(
    tmp_path: Path, label: str, change: Change, reason: str
) -> None:
    message = refusal(tmp_path, change)
    assert message.startswith(f"{tmp_path / 'lessons' / FILE}: lesson {LESSON}: {reason}"), message


def test_every_problem_of_a_file_is_listed_each_on_its_own_line(tmp_path: Path) -> None:
    def two_problems(course: dict[str, Any]) -> None:
        lesson(course, "separar_la_plata")["quiz"]["options"] = options(True, True)
        lesson(course)["quiz"].pop("feedback_wrong")

    lines = refusal(tmp_path, two_problems).splitlines()
    assert [line.split(": ")[1:3] for line in lines] == [
        ["lesson separar_la_plata", "quiz.options"],
        [f"lesson {LESSON}", "quiz.feedback_wrong"],
    ]


def test_a_lesson_without_an_id_is_named_by_its_place(tmp_path: Path) -> None:
    message = refusal(tmp_path, lambda course: lesson(course).pop("id"))
    assert f"{FILE}: lesson number 3: id: Field required" in message


def test_a_lesson_id_used_twice_in_one_file_is_refused(tmp_path: Path) -> None:
    message = refusal(tmp_path, lambda course: lesson(course).__setitem__("id", "separar_la_plata"))
    assert f"{FILE}: lesson separar_la_plata: its id appears twice in this course" in message


def test_a_lesson_id_already_used_in_another_file_is_refused(tmp_path: Path) -> None:
    data_dir = copy_data(tmp_path)
    course = shipped("vender_mas.yml")
    lesson(course, "clientes_fieles")["id"] = LESSON
    write(data_dir, "vender_mas.yml", course)
    with pytest.raises(CourseFileError) as refused:
        load_courses(data_dir)
    assert str(refused.value) == (
        f"{data_dir / 'lessons' / 'vender_mas.yml'}: lesson {LESSON}: the same lesson id is in "
        f"{data_dir / 'lessons' / FILE}"
    )


def test_two_courses_with_the_same_order_are_refused(tmp_path: Path) -> None:
    message = refusal(tmp_path, lambda course: course.__setitem__("order", 1))
    assert "order 1 is also the order of" in message and "costos_y_precios.yml" in message


def test_the_course_id_must_be_the_file_name(tmp_path: Path) -> None:
    message = refusal(tmp_path, lambda course: course.__setitem__("id", "cuentas"))
    assert message.endswith("the course id is 'cuentas': it must be the file name, 'cuentas_claras'")


def test_a_course_title_must_fit_a_button(tmp_path: Path) -> None:
    message = refusal(tmp_path, lambda course: course.__setitem__("title", "Cuentas claras para su negocio"))
    assert f"{FILE}: title: String should have at most 20 characters" in message


def test_a_file_that_is_not_yaml_is_refused(tmp_path: Path) -> None:
    data_dir = copy_data(tmp_path)
    (data_dir / "lessons" / FILE).write_text("id: cuentas_claras\nlessons: [\n", encoding="utf-8")
    with pytest.raises(CourseFileError, match=re.escape(f"{FILE}: not valid YAML")):
        load_courses(data_dir)


def test_an_empty_folder_and_a_yaml_extension_are_refused(tmp_path: Path) -> None:
    (tmp_path / "lessons").mkdir()
    with pytest.raises(CourseFileError, match="no course file"):
        load_courses(tmp_path)
    shutil.copy(DATA / "lessons" / FILE, tmp_path / "lessons" / "cuentas_claras.yaml")
    with pytest.raises(CourseFileError, match=r"cuentas_claras\.yaml: course files end in \.yml"):
        load_courses(tmp_path)


def test_a_new_file_is_a_new_course_in_its_order(tmp_path: Path) -> None:
    data_dir = copy_data(tmp_path)
    course = shipped()
    course.update(id="primeros_pasos", title="Primeros pasos", order=0 + 4)
    for item in course["lessons"]:
        item["id"] = "pp_" + item["id"]
    write(data_dir, "primeros_pasos.yml", course)
    courses = load_courses(data_dir)
    assert [c.id for c in courses] == ["costos_y_precios", "cuentas_claras", "vender_mas", "primeros_pasos"]
    assert courses.course_of("pp_cuaderno_diario").title == "Primeros pasos"


@pytest.mark.parametrize(("length", "loads"), [(160, True), (161, False)])
def test_a_message_is_measured_after_folding_at_the_160_character_edge(
    tmp_path: Path, length: int, loads: bool
) -> None:
    """160 "á" are 3 UCS-2 segments as written, but fold to 160 "a": one GSM-7 segment."""
    data_dir = copy_data(tmp_path)
    course = shipped()
    lesson(course)["messages"][0] = "á" * length
    write(data_dir, FILE, course)
    if loads:
        assert load_courses(data_dir).course_of(LESSON).lesson(LESSON).messages[0] == "á" * length
    else:
        with pytest.raises(CourseFileError, match="message 1 takes 2 SMS segments"):
            load_courses(data_dir)
