"""data/documents.yml: it loads with the loan products, every refusal has a sentence that fits one SMS,
and a broken file (unknown product, missing sentence, unknown item, long title…) stops the load."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.documents.content import BUTTON_TITLE_MAX, REFUSALS, DocumentsData, load_documents
from bot.gsm7 import fold_to_gsm7, sms_size

DATA = Path(__file__).resolve().parents[3] / "data"
DOCUMENTS = load_documents(DATA)
PRODUCTS = ("microcredito_empresarial", "credito_agro", "credito_digital_rapido")


@pytest.mark.parametrize("reason", REFUSALS)
def test_every_refusal_has_a_sentence_of_one_sms_segment(reason: str) -> None:
    text = DOCUMENTS.refusal_text(reason)  # type: ignore[arg-type]
    size = sms_size(fold_to_gsm7(text))
    assert (size.encoding, size.segments) == ("GSM-7", 1), (reason, text, size)
    assert "por favor" in text.lower()


def test_the_page_limit_is_quoted_from_the_limits() -> None:
    assert f"{DOCUMENTS.limits.pdf_max_pages} páginas" in DOCUMENTS.refusal_text("pdf_too_many_pages")


@pytest.mark.parametrize("item", DOCUMENTS.items, ids=lambda item: item.id)
def test_every_item_is_a_button_title_and_an_instruction_that_fit_one_sms(item: Any) -> None:
    assert len(item.title) <= BUTTON_TITLE_MAX
    assert sms_size(fold_to_gsm7(f"{item.title}: {item.instruction}")).segments == 1


@pytest.mark.parametrize("product", PRODUCTS)
def test_each_product_asks_for_both_sides_of_the_id_first_and_rut_only_when_formal(product: str) -> None:
    informal = [item.id for item in DOCUMENTS.checklist(product, formal=False)]
    formal = [item.id for item in DOCUMENTS.checklist(product, formal=True)]
    assert informal[:2] == ["cedula_frente", "cedula_reverso"]
    assert "rut" not in informal
    assert set(formal) - set(informal) <= {"rut"}
    assert all(DOCUMENTS.item(i).sensitive == i.startswith("cedula") for i in formal)


def test_id_photos_are_images_and_the_bill_may_be_a_pdf() -> None:
    assert DOCUMENTS.item("cedula_frente").accepts == {"image"}
    assert DOCUMENTS.item("recibo_servicio").accepts == {"image", "pdf"}


def _broken(tmp_path: Path, change: Any) -> Path:
    for name in ("prequal_rules.yml", "municipalities.csv", "sectors.yml"):
        shutil.copy(DATA / name, tmp_path / name)
    data = yaml.safe_load((DATA / "documents.yml").read_text(encoding="utf-8"))
    change(data)
    (tmp_path / "documents.yml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return tmp_path


BROKEN = [
    ("checklist for an unknown product", lambda d: d["checklists"].update(credito_vivienda=["cedula_frente"]),
     "unknown products"),
    ("a product without a checklist", lambda d: d["checklists"].pop("credito_agro"), "without a checklist"),
    ("a refusal without its sentence", lambda d: d["refusals"].pop("blurred"), "missing"),
    ("an empty refusal sentence", lambda d: d["refusals"].update(too_dark=" "), "missing"),
    ("an unknown refusal", lambda d: d["refusals"].update(too_ugly="Mande otra."), "too_ugly"),
    ("a placeholder where none is filled", lambda d: d["refusals"].update(blank="Tiene {pages} paginas."),
     "placeholders"),
    ("a checklist naming an unknown item", lambda d: d["checklists"].update(credito_agro=["pasaporte"]),
     "unknown items"),
    ("an item twice in a checklist", lambda d: d["checklists"].update(credito_agro=["rut", "rut"]), "each once"),
    ("a title longer than a button", lambda d: d["items"][0].update(title="Cédula de ciudadanía por delante"),
     "20 characters"),
    ("an item accepting video", lambda d: d["items"][0].update(accepts=["video"]), "accepts"),
    ("the word rechazado", lambda d: d["refusals"].update(blank="Foto rechazada, mande otra por favor."),
     "rechazado"),
    ("min above max bytes", lambda d: d["limits"].update(min_bytes=10**9), "min_bytes"),
    ("a pixel limit above Pillow's alarm", lambda d: d["limits"].update(max_pixels=500_000_000), "alarm"),
    ("an unknown limit", lambda d: d["limits"].update(max_videos=1), "max_videos"),
]  # fmt: skip


@pytest.mark.parametrize(("label", "change", "message"), BROKEN, ids=[case[0] for case in BROKEN])
def test_a_broken_file_stops_the_load(tmp_path: Path, label: str, change: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_documents(_broken(tmp_path, change))


def test_the_file_as_shipped_round_trips(tmp_path: Path) -> None:
    assert load_documents(_broken(tmp_path, lambda d: None)) == DOCUMENTS
    assert isinstance(DOCUMENTS, DocumentsData)
