"""Municipalities: the CSV validates, and what people write maps to the right one with the right certainty."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.prequal.municipalities import (
    Exact,
    Likely,
    MunicipalityMatch,
    NotFound,
    Unsure,
    load_municipalities,
    match_municipality,
    sounds_like,
)

DATA = Path(__file__).resolve().parents[3] / "data"
REGISTRY = load_municipalities(DATA / "municipalities.csv")
HEADER = "dane_code,name,department,served,aliases\n"

VALLE_DE_ABURRA = ["05001", "05088", "05360", "05266", "05631", "05380", "05129", "05212", "05308", "05079"]
ORIENTE_URABA_AND_OTHERS = ["05615", "05440", "05376", "05148", "05045", "05837", "05154", "05042"]


def _describe(match: MunicipalityMatch) -> tuple[str, tuple[str, ...]]:
    """("exact", ("05088",)) — the kind of answer and the DANE codes it names."""
    if isinstance(match, Exact):
        return "exact", (match.municipality.dane_code,)
    if isinstance(match, Likely):
        return "likely", (match.municipality.dane_code,)
    if isinstance(match, Unsure):
        return "unsure", tuple(m.dane_code for m in match.candidates)
    return "not_found", ()


@pytest.mark.parametrize(
    ("text", "kind", "codes"),
    [
        # the name as written, in any case, with or without accents and punctuation
        ("Medellín", "exact", ("05001",)), ("MEDELLIN!!!", "exact", ("05001",)), ("bello", "exact", ("05088",)),
        ("itagui", "exact", ("05360",)), ("Itagüí", "exact", ("05360",)), ("sabaneta", "exact", ("05631",)),
        ("la estrella", "exact", ("05380",)), ("apartado", "exact", ("05045",)), ("Guatapé", "exact", ("05321",)),
        ("Cúcuta", "exact", ("54001",)), ("Bogotá D.C.", "exact", ("11001",)),
        # informal names and aliases
        ("medallo", "exact", ("05001",)), ("MDE", "exact", ("05001",)), ("med", "exact", ("05001",)),
        ("bogota", "exact", ("11001",)), ("bogotá dc", "exact", ("11001",)), ("santa fe de bogota", "exact", ("11001",)),
        ("rio negro", "exact", ("05615",)), ("el carmen", "exact", ("05148",)), ("carmen de viboral", "exact", ("05148",)),
        ("santafe de antioquia", "exact", ("05042",)), ("Santa Fe de Antioquia", "exact", ("05042",)),
        ("penol", "exact", ("05541",)), ("santuario", "exact", ("05697",)), ("curramba", "exact", ("08001",)),
        # fillers and a trailing department are not part of the name
        ("Vivo en Bello, Antioquia", "exact", ("05088",)), ("soy de itagui ant.", "exact", ("05360",)),
        ("Queda en el municipio de Girardota", "exact", ("05308",)), ("yo vivo en el municipio de bello", "exact", ("05088",)),
        ("en el carmen", "exact", ("05148",)), ("medellin, antioquia, colombia", "exact", ("05001",)),
        ("caldas antioquia", "exact", ("05129",)), ("manizales caldas", "exact", ("17001",)),
        # the department tells two of the same name apart
        ("armenia quindio", "exact", ("63001",)), ("armenia antioquia", "exact", ("05059",)),
        # typos and spelling by ear: taken, but the dialogue says which one it understood
        ("envigao", "likely", ("05266",)), ("medelin", "likely", ("05001",)), ("belo", "likely", ("05088",)),
        ("sabanetta", "likely", ("05631",)), ("rionegr", "likely", ("05615",)), ("copacavana", "likely", ("05212",)),
        ("la estreya", "likely", ("05380",)), ("caucacia", "likely", ("05154",)), ("barboza", "likely", ("05079",)),
        ("marinila", "likely", ("05440",)), ("yo vivo en envigao", "likely", ("05266",)),
        # a name inside a longer message
        ("barrio manrique de medellin", "likely", ("05001",)), ("envigado sur", "likely", ("05266",)),
        ("medelin centro", "likely", ("05001",)),
        # several could be meant: ask
        ("armenia", "unsure", ("05059", "63001")), ("san pedro", "unsure", ("05664", "05665")),
        ("puerto", "unsure", ("05579", "05585", "05591")), ("vivo en bello pero trabajo en medellin", "unsure", ("05088", "05001")),
        ("uraba", "unsure", ("05659", "05665")),
        # close, but not close enough to take: ask about the one ("¿Es Belmira?")
        ("bellmi", "unsure", ("05086",)), ("ytagui", "unsure", ("05360",)),
        # nothing to go on
        ("", "not_found", ()), ("   ", "not_found", ()), ("hola", "not_found", ()), ("antioquia", "not_found", ()),
        ("quiero un credito", "not_found", ()), ("la", "not_found", ()), ("vivo en el barrio belen", "not_found", ()),
        ("123", "not_found", ()), ("estoy bien", "not_found", ()), ("aburra", "not_found", ()),
    ],
)  # fmt: skip
def test_match_municipality(text: str, kind: str, codes: tuple[str, ...]) -> None:
    assert _describe(match_municipality(text, REGISTRY)) == (kind, codes)


def test_likely_reports_its_score() -> None:
    match = match_municipality("envigao", REGISTRY)
    assert isinstance(match, Likely) and 85 <= match.score < 100


def test_unsure_offers_at_most_three() -> None:
    match = match_municipality("san", REGISTRY)
    assert isinstance(match, NotFound | Unsure)
    match = match_municipality("puerto", REGISTRY)
    assert isinstance(match, Unsure) and len(match.candidates) == 3


def test_same_name_labels_tell_them_apart() -> None:
    match = match_municipality("armenia", REGISTRY)
    assert isinstance(match, Unsure)
    assert [m.label for m in match.candidates] == ["Armenia (Antioquia)", "Armenia (Quindío)"]


@pytest.mark.parametrize(
    ("written", "heard"),
    [("caucacia", "kaukasia"), ("caucasia", "kaukasia"), ("la estreya", "la estreya"), ("la estrella", "la estreya"),
     ("envigado", "enbigado"), ("guatape", "guatape"), ("jirardota", "jirardota"), ("girardota", "jirardota"),
     ("chigorodo", "chigorodo"), ("sabanetta", "sabaneta")],
)  # fmt: skip
def test_sounds_like(written: str, heard: str) -> None:
    assert sounds_like(written) == heard


def test_all_of_antioquia_and_the_department_capitals() -> None:
    codes = [m.dane_code for m in REGISTRY.municipalities]
    assert len([c for c in codes if c.startswith("05")]) == 125
    capitals = {"11001", "76001", "08001", "13001", "68001", "66001", "17001", "54001", "73001", "05001"}
    assert capitals <= set(codes)
    assert len({c[:2] for c in codes}) == 32  # 31 departments and Bogotá D.C. (the capital of Cundinamarca)
    assert REGISTRY.by_code("05360") is not None and REGISTRY.by_code("05360").name == "Itagüí"  # type: ignore[union-attr]
    assert REGISTRY.by_code("99999") is None


def test_served_is_the_example_coverage() -> None:
    served = {m.dane_code for m in REGISTRY.municipalities if m.served}
    assert served == set(VALLE_DE_ABURRA + ORIENTE_URABA_AND_OTHERS)


def _write(tmp_path: Path, rows: str, header: str = HEADER) -> Path:
    path = tmp_path / "municipalities.csv"
    path.write_text(header + rows, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("rows", "header", "error"),
    [
        ("5001,Medellín,Antioquia,true,\n", HEADER, "dane_code"),  # 4 digits
        ("0500A,Medellín,Antioquia,true,\n", HEADER, "dane_code"),
        ("05001,Medellín,Antioquia,true,\n05001,Bello,Antioquia,true,\n", HEADER, "duplicate DANE codes: 05001"),
        ("05001,Medellín,Antioquia,true,\n76088,Bello,Antioquia,true,\n", HEADER, "different departments"),
        ("05001,Medellín,Antioquia,yes,\n", HEADER, "served must be true or false"),
        ("05001,Medellín,Antioquia,true,bello\n05088,Bello,Antioquia,true,\n", HEADER, "an alias of Medellín is also Bello"),
        ("05001,,Antioquia,true,\n", HEADER, "name"),
        ("05001,Medellín,Antioquia,true\n", "dane_code,name,department,served\n", "columns must be"),
        ("", HEADER, "municipalities"),  # empty
    ],
)  # fmt: skip
def test_invalid_csv_is_refused(tmp_path: Path, rows: str, header: str, error: str) -> None:
    with pytest.raises((ValidationError, ValueError), match=error):
        load_municipalities(_write(tmp_path, rows, header))


def test_a_small_valid_csv_loads(tmp_path: Path) -> None:
    registry = load_municipalities(_write(tmp_path, "05001,Medellín,Antioquia,true,medallo| mde |\n"))
    (medellin,) = registry.municipalities
    assert medellin.aliases == ("medallo", "mde") and medellin.served
    assert match_municipality("mde", registry) == Exact(medellin)
