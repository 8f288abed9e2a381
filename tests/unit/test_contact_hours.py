"""Contact hours (Ley 2300 de 2023): when a proactive message may go, and the next moment it may.

Times in the table are Bogotá wall-clock times (UTC−5 all year: no daylight saving time).
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from bot.contact_hours import CONTACT_HOURS_FILE, ContactHours, load_contact_hours

DATA = Path(__file__).resolve().parents[2] / "data"
HOURS = load_contact_hours(DATA / CONTACT_HOURS_FILE)
BOGOTA = timezone(timedelta(hours=-5))  # a fixed offset: what America/Bogota must agree with


def bogota(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BOGOTA)


@pytest.mark.parametrize(
    ("label", "at", "next_open"),
    [
        ("Monday before seven", "2026-11-30 06:59", "2026-11-30 07:00"),
        ("Monday at seven", "2026-11-30 07:00", None),
        ("weekday afternoon", "2026-12-02 15:30", None),
        ("18:59 is still open", "2026-12-04 18:59:59", None),
        ("19:00 is closed: Saturday morning next", "2026-12-04 19:00", "2026-12-05 08:00"),
        ("Saturday before eight", "2026-12-05 07:59", "2026-12-05 08:00"),
        ("Saturday 14:59 is open", "2026-12-05 14:59", None),
        ("Saturday 15:00: Monday at seven", "2026-12-05 15:00", "2026-12-07 07:00"),
        ("Sunday, never", "2026-12-06 10:00", "2026-12-07 07:00"),
        ("Monday holiday (puente): Tuesday", "2026-11-14 15:00", "2026-11-17 07:00"),
        ("on the Monday holiday itself", "2026-11-16 10:00", "2026-11-17 07:00"),
        ("Tuesday holiday (8 December)", "2026-12-07 19:00", "2026-12-09 07:00"),
        ("Holy Thursday and Good Friday", "2026-04-01 19:00", "2026-04-04 08:00"),
        ("Christmas on a Friday", "2026-12-24 19:00", "2026-12-26 08:00"),
        ("year end: 1 January is a holiday", "2026-12-31 19:30", "2027-01-02 08:00"),
        ("New Year's night", "2027-01-01 00:30", "2027-01-02 08:00"),
        ("a weekday midnight", "2026-12-01 00:00", "2026-12-01 07:00"),
    ],
)
def test_contact_hours_table(label: str, at: str, next_open: str | None) -> None:
    moment = bogota(at)
    assert HOURS.is_open(moment) is (next_open is None), label
    expected = moment if next_open is None else bogota(next_open)
    found = HOURS.next_open(moment)
    assert found == expected, (label, found)
    assert found.utcoffset() == timedelta(hours=-5)  # given back in Bogotá time
    assert HOURS.is_open(found), label  # the next opening really is open


@pytest.mark.parametrize("month", [1, 3, 6, 7, 10, 11])
def test_bogota_has_no_daylight_saving_time(month: int) -> None:
    # 12:00 UTC is 07:00 in Bogotá in every month: open on a working Wednesday, closed a second before.
    wednesday = next(
        day
        for day in (datetime(2027, month, d, 12, 0, tzinfo=UTC) for d in range(1, 15))
        if day.weekday() == 2 and HOURS.hours_on(day.date()) is not None
    )
    assert HOURS.is_open(wednesday)
    assert not HOURS.is_open(wednesday - timedelta(seconds=1))
    assert HOURS.next_open(wednesday - timedelta(hours=3)) == wednesday


def test_next_open_accepts_any_time_zone() -> None:
    utc = datetime(2026, 12, 5, 20, 0, tzinfo=UTC)  # Saturday 15:00 in Bogotá
    assert HOURS.next_open(utc) == bogota("2026-12-07 07:00")


def _load(tmp_path: Path, change: Any) -> ContactHours:
    shutil.copy(DATA / CONTACT_HOURS_FILE, tmp_path / CONTACT_HOURS_FILE)
    data = yaml.safe_load((tmp_path / CONTACT_HOURS_FILE).read_text(encoding="utf-8"))
    change(data)
    (tmp_path / CONTACT_HOURS_FILE).write_text(yaml.safe_dump(data), encoding="utf-8")
    return load_contact_hours(tmp_path / CONTACT_HOURS_FILE)


@pytest.mark.parametrize(
    ("label", "change", "message"),
    [
        ("Sunday", lambda d: d["opening_hours"].update(sunday=["09:00", "12:00"]), "allows no contact"),
        ("before seven", lambda d: d["opening_hours"].update(monday=["06:30", "19:00"]), "outside the lawful"),
        ("after seven pm", lambda d: d["opening_hours"].update(friday=["07:00", "19:30"]), "outside the lawful"),
        ("Saturday afternoon", lambda d: d["opening_hours"].update(saturday=["08:00", "16:00"]), "15:00"),
        ("another time zone", lambda d: d.update(timezone="America/Lima"), "America/Bogota"),
        ("closes before it opens", lambda d: d["opening_hours"].update(monday=["18:00", "08:00"]), "before"),
        ("an unknown key", lambda d: d.update(sunday_ok=True), "Extra inputs"),
    ],
)  # fmt: skip
def test_a_file_wider_than_the_law_stops_the_load(
    tmp_path: Path, label: str, change: Any, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        _load(tmp_path, change)


def test_stricter_than_the_law_is_fine(tmp_path: Path) -> None:
    def stricter(data: dict[str, Any]) -> None:
        data["opening_hours"] = {day: ["08:00", "18:00"] for day in ("monday", "tuesday", "friday")}

    hours = _load(tmp_path, stricter)
    assert not hours.is_open(bogota("2026-11-30 07:30"))  # Monday 07:30: lawful, but not ours
    assert hours.next_open(bogota("2026-11-30 18:00")) == bogota("2026-12-01 08:00")
    assert hours.next_open(bogota("2026-12-01 18:00")) == bogota("2026-12-04 08:00")  # no Wed/Thu
    assert hours.next_open(bogota("2026-12-04 18:00")) == bogota("2026-12-07 08:00")  # no Saturday


def test_a_shifted_copy_judges_a_later_moment_and_the_original_is_unchanged() -> None:
    sunday_night = bogota("2026-12-06 21:00")
    shifted = HOURS.shifted(timedelta(hours=11))  # judged as Monday 08:00
    assert shifted.is_open(sunday_night) and not HOURS.is_open(sunday_night)
    assert shifted.next_open(sunday_night) == sunday_night
    saturday_evening = bogota("2026-12-05 18:00")  # judged as Sunday 05:00: opens Monday 07:00
    assert shifted.next_open(saturday_evening) == bogota("2026-12-06 20:00")


def test_one_proactive_message_of_a_kind_a_day_and_the_day_is_bogotas(tmp_path: Path) -> None:
    assert HOURS.max_per_day_per_kind == 1
    with pytest.raises(ValidationError, match="max_per_day_per_kind"):
        _load(tmp_path, lambda d: d.update(max_per_day_per_kind=2))
    late = datetime(2026, 12, 3, 3, 0, tzinfo=UTC)  # 22:00 on 2 December in Bogotá
    assert HOURS.day_start(late) == bogota("2026-12-02 00:00")


def test_at_most_two_of_a_kind_a_week_and_the_week_is_bogotas_iso_week(tmp_path: Path) -> None:
    assert HOURS.max_per_week_per_kind == 2
    with pytest.raises(ValidationError, match="max_per_week_per_kind"):
        _load(tmp_path, lambda d: d.update(max_per_week_per_kind=3))
    assert _load(tmp_path, lambda d: d.update(max_per_week_per_kind=1)).max_per_week_per_kind == 1
    assert HOURS.week_start(bogota("2026-12-03 10:00")) == bogota("2026-11-30 00:00")  # Thursday
    assert HOURS.week_start(bogota("2026-11-30 00:00")) == bogota("2026-11-30 00:00")  # Monday
    assert HOURS.week_start(bogota("2026-12-06 23:59")) == bogota("2026-11-30 00:00")  # Sunday
    sunday_night = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)  # Monday in UTC, Sunday 22:00 in Bogotá
    assert HOURS.week_start(sunday_night) == bogota("2026-11-30 00:00")
