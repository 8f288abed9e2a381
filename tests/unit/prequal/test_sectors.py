"""Sectors: the data file validates, and everyday descriptions of a business map to one sector."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.prequal.sectors import SectorCatalogue, load_sectors, match_sector

DATA = Path(__file__).resolve().parents[3] / "data"
SECTORS = load_sectors(DATA / "sectors.yml")


@pytest.mark.parametrize(
    ("text", "sector"),
    [
        # the menu words themselves
        ("comercio", "comercio"), ("Servicios", "servicios"), ("Manufactura/producción", "manufactura"),
        ("produccion", "manufactura"), ("agro", "agro"), ("Alimentos", "alimentos"), ("confección", "confeccion"),
        ("belleza", "belleza"), ("transporte", "transporte"), ("otro", "otro"), ("otra cosa", "otro"),
        # what people call their business
        ("tienda", "comercio"), ("Tengo una tienda de barrio", "comercio"), ("miscelanea", "comercio"),
        ("una miscelánea", "comercio"), ("ferreteria", "comercio"), ("peluqueria", "belleza"),
        ("salon de belleza", "belleza"), ("Salón de Belleza", "belleza"), ("barberia", "belleza"),
        ("arepas", "alimentos"), ("vendo arepas", "alimentos"), ("comidas rapidas", "alimentos"),
        ("comidas rápidas", "alimentos"), ("restaurante", "alimentos"), ("hago tortas", "alimentos"),
        ("taller", "servicios"), ("taller de motos", "servicios"), ("mecanica", "servicios"),
        ("modisteria", "confeccion"), ("modistería y arreglos", "confeccion"), ("satelite de confeccion", "confeccion"),
        ("ebanisteria", "manufactura"), ("tengo unas gallinas", "agro"), ("finca cafetera", "agro"),
        ("taxi", "transporte"), ("soy taxista", "transporte"), ("domicilios", "transporte"),
        ("uñas acrilicas", "belleza"),
        # the longest description wins: a clothes workshop is not a mechanic's
        ("taller de confeccion", "confeccion"), ("taller de carpinteria", "manufactura"),
        # misspelt
        ("micelanea", "comercio"), ("peluqeria", "belleza"), ("varberia", "belleza"), ("confecion", "confeccion"),
        ("restorante", "alimentos"), ("fereteria", "comercio"), ("comersio", "comercio"),
        # nothing, or two different businesses equally: ask with the menu
        ("", None), ("hola", None), ("nada", None), ("1", None), ("vendo arepas en mi tienda", None),
    ],
)  # fmt: skip
def test_match_sector(text: str, sector: str | None) -> None:
    found = match_sector(text, SECTORS)
    assert (found.id if found else None) == sector


def test_the_menu_has_the_agreed_sectors_with_short_labels() -> None:
    assert SECTORS.ids == (
        "comercio", "servicios", "manufactura", "agro", "alimentos", "confeccion", "belleza", "transporte", "otro",
    )  # fmt: skip
    assert all(len(sector.label) <= 24 for sector in SECTORS.sectors)


def _catalogue(sectors: list[dict[str, object]]) -> SectorCatalogue:
    return SectorCatalogue.model_validate({"sectors": sectors})


@pytest.mark.parametrize(
    ("sectors", "error"),
    [
        ([{"id": "comercio", "label": "Comercio"}, {"id": "comercio", "label": "Otra"}, {"id": "otro", "label": "Otro"}],
         "only once"),
        ([{"id": "comercio", "label": "Comercio", "aliases": ["tienda"]},
          {"id": "belleza", "label": "Belleza", "aliases": ["Tienda"]}, {"id": "otro", "label": "Otro"}],
         "'tienda' is an alias of both"),
        ([{"id": "comercio", "label": "Comercio"}], 'sector "otro"'),
        ([{"id": "otro", "label": "Una etiqueta demasiado larga para WhatsApp"}], "label"),
        ([{"id": "otro", "label": "Otro", "aliases": ["!!"]}], "aliases"),
        ([{"id": "otro", "label": "Otro", "color": "rojo"}], "color"),
        ([], "sectors"),
    ],
)  # fmt: skip
def test_invalid_sector_data_is_refused(sectors: list[dict[str, object]], error: str) -> None:
    with pytest.raises(ValidationError, match=error):
        _catalogue(sectors)


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "sectors.yml"
    path.write_text("# nothing yet\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="sectors"):
        load_sectors(path)
