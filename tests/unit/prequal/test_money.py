"""Money in informal Colombian Spanish: table cases and properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.prequal.money import MAX_PESOS, parse_money, parse_whole_number


@pytest.mark.parametrize(
    ("text", "pesos"),
    [
        # digits with thousands separators
        ("500.000", 500_000),
        ("500,000", 500_000),
        ("$500,000", 500_000),
        ("$ 500.000", 500_000),
        ("1.200.000", 1_200_000),
        ("1200000", 1_200_000),
        ("1'500.000", 1_500_000),
        ("1’500.000", 1_500_000),
        ("1´500.000", 1_500_000),
        ("15'000.000", 15_000_000),
        ("1'500,000", 1_500_000),
        ("1.500", 1_500),
        ("1 500 000", 1_500_000),
        ("1.200.000,00", 1_200_000),
        ("1,200,000.00", 1_200_000),
        ("COP 2.000.000", 2_000_000),
        ("2.000.000 de pesos", 2_000_000),
        ("$2.000.000 pesos.", 2_000_000),
        # digits with units
        ("500 mil", 500_000),
        ("500mil", 500_000),
        ("500 MIL", 500_000),
        ("2 millones", 2_000_000),
        ("2M", 2_000_000),
        ("2 m", 2_000_000),
        ("3 mm", 3_000_000),
        ("500k", 500_000),
        ("1.5 millones", 1_500_000),
        ("1,5 millones", 1_500_000),
        ("2,25 millones", 2_250_000),
        ("1.500 millones", 1_500_000_000),
        ("800 lucas", 800_000),
        ("800 luquitas", 800_000),
        ("2 palos", 2_000_000),
        ("3 millones 200 mil", 3_200_000),
        ("2 millones y 500 mil", 2_500_000),
        ("2 millones 500", 2_500_000),
        # words
        ("quinientos mil", 500_000),
        ("medio millón", 500_000),
        ("medio millon", 500_000),
        ("medio palo", 500_000),
        ("un millón y medio", 1_500_000),
        ("millon y medio", 1_500_000),
        ("Millón y medio", 1_500_000),
        ("dos millones y medio", 2_500_000),
        ("dos y medio millones", 2_500_000),
        ("dos millones", 2_000_000),
        ("un palo", 1_000_000),
        ("palo y medio", 1_500_000),
        ("una luca", 1_000),
        ("luca y media", 1_500),
        ("mil", 1_000),
        ("mil pesos", 1_000),
        ("tres millones doscientos mil", 3_200_000),
        ("un millón quinientos", 1_500_000),
        ("un millon cincuenta mil", 1_050_000),
        ("treinta y cinco mil", 35_000),
        ("treintaicinco mil", 35_000),
        ("ciento veinte mil", 120_000),
        ("novecientos noventa y nueve mil", 999_000),
        ("dieciséis millones", 16_000_000),
        ("veintiún millones", 21_000_000),
        ("mil quinientos", 1_500),
        ("dos mil millones", 2_000_000_000),
        ("diez mil millones", 10_000_000_000),
        # typos one letter away
        ("trienta mil", 30_000),
        ("quinietos mil", 500_000),
        ("2 milones", 2_000_000),
        # amounts inside a sentence
        ("como 2 millones", 2_000_000),
        ("unos 800 mil", 800_000),
        ("más o menos 2 millones", 2_000_000),
        ("necesito una nevera de 2 millones", 2_000_000),
        ("Necesito 1.500.000 para surtir", 1_500_000),
        # a bare small number is taken literally; the rules decide whether it is plausible
        ("500", 500),
    ],
)
def test_amounts(text: str, pesos: int) -> None:
    assert parse_money(text) == pesos


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "no sé",
        "mucho",
        "lo que me presten",
        "500.5.5",  # separators that group nothing
        "1.50.000",
        "1.500,000",  # dots and commas mixed
        "1.5",  # a fraction of a peso
        "1,5",
        "1'5 millones",
        "-500.000",  # negative
        "0",
        "cero pesos",
        "entre 1 y 2 millones",  # ranges and alternatives
        "500-600 mil",
        "1 o 2 millones",
        "tengo 2 hijos y necesito 500 mil",  # two numbers: which one?
        "millones",  # a plural unit without a number
        "unos palos",
        "dos tres millones",  # words that do not make one number
        "2 millones 3 millones",
        "dos mil tres mil",
        "medio",
        "un",
        "20.000 millones",  # more than 10 000 000 000
        "2 billones",
        "99999999999999999999999999",
        "cientos de miles",  # a word, not a typo of "ciento"
    ],
)
def test_refused(text: str) -> None:
    assert parse_money(text) is None


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("35", 35),
        ("tengo 35 años", 35),
        ("treinta y cinco", 35),
        ("uno", 1),
        ("cero", 0),
        ("35 mil", None),
        ("35,5", None),
        ("35 o 36", None),
    ],
)
def test_whole_number(text: str, number: int | None) -> None:
    assert parse_whole_number(text) == number


colombian = st.integers(min_value=1, max_value=MAX_PESOS - 1).map(lambda n: (n, f"{n:,}".replace(",", ".")))


@given(colombian)
def test_colombian_grouping_round_trips(case: tuple[int, str]) -> None:
    n, written = case
    assert parse_money(written) == n
    assert parse_money(f"${written}") == n
    assert parse_money(f"$ {written} pesos") == n
    assert parse_money(f"{written} pesos") == n


@given(st.integers(min_value=1, max_value=MAX_PESOS - 1))
def test_plain_and_comma_grouping_round_trip(n: int) -> None:
    assert parse_money(str(n)) == n
    assert parse_money(f"{n:,}") == n


@given(st.integers(min_value=1, max_value=999))
def test_n_mil(n: int) -> None:
    assert parse_money(f"{n} mil") == n * 1_000
    assert parse_money(f"{n}mil") == n * 1_000


@given(st.integers(min_value=1, max_value=MAX_PESOS // 1_000_000))
def test_n_millones(n: int) -> None:
    assert parse_money(f"{n} millones") == n * 1_000_000


@given(st.integers(min_value=-MAX_PESOS, max_value=0))
def test_negatives_and_zero_are_refused(n: int) -> None:
    assert parse_money(str(n)) is None


@given(st.text())
def test_never_raises(text: str) -> None:
    result = parse_money(text)
    assert result is None or 0 < result <= MAX_PESOS


@given(st.text(alphabet="0123456789.,'$ -kmilonesydupa"))
def test_never_raises_on_number_like_text(text: str) -> None:
    result = parse_money(text)
    assert result is None or 0 < result <= MAX_PESOS
