"""One value of a loans file into its typed form, or ``BadValue`` with a reason an operator understands.

Values come as people and spreadsheets write them in Colombia: phones with or without +57, spaces,
dashes or brackets; amounts with dots as thousands separators and a dollar sign; dates day first. A
reason never repeats a phone or cédula in full (``mask``): the CLI prints reasons and the API returns them.
"""

from __future__ import annotations

import re
from datetime import date

import phonenumbers

REGION = "CO"
MOBILE_TYPES = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
MAX_AMOUNT = 1_000_000_000  # a typo guard: no microcredit instalment comes near $1.000.000.000
MAX_INSTALMENTS = 600
NATIONAL_ID_DIGITS = (5, 10)
MAX_LOAN_REF = 40
MAX_PRODUCT = 64

STATUS_WORDS: dict[str, str] = {
    "pending": "pending",
    "pendiente": "pending",
    "por pagar": "pending",
    "vigente": "pending",
    "vencida": "pending",
    "vencido": "pending",
    "en mora": "pending",
    "mora": "pending",
    "paid": "paid",
    "pagada": "paid",
    "pagado": "paid",
    "pago": "paid",
    "canceled": "canceled",
    "cancelled": "canceled",
    "cancelada": "canceled",
    "cancelado": "canceled",
    "anulada": "canceled",
    "anulado": "canceled",
    "castigada": "canceled",
    "refinanciada": "canceled",
}

_AMOUNT = re.compile(
    r"(?P<whole>\d{1,3}(?P<group>[.,])\d{3}(?:(?P=group)\d{3})*|\d+)(?:(?P<dec>[.,])(?P<cents>\d{1,2}))?"
)
_ISO_DATE = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T]00:00(?::00)?)?")
_DAY_FIRST = re.compile(r"(\d{1,2})[/-](\d{1,2})[/-](\d{4})(?: 00:00(?::00)?)?")
_SPREADSHEET_FLOAT = re.compile(r"(\d+)\.0+")  # 3001234567.0: a number column read back as a float


class BadValue(ValueError):
    """The value cannot be used; the message says why, in plain words, without personal data."""


def mask(value: str, keep: int = 2) -> str:
    """``***67``: enough to find the row, not enough to identify the person."""
    digits = re.sub(r"\D", "", value)
    return "*" * max(len(digits) - keep, 3) + digits[-keep:] if digits else "(no digits)"


def _plain(value: str) -> str:
    text = value.strip()
    float_form = _SPREADSHEET_FLOAT.fullmatch(text)
    return float_form.group(1) if float_form else text


def parse_phone(value: str) -> str:
    """A Colombian mobile number in E.164 (+573001234567), written any usual way."""
    text = _plain(value).removeprefix("whatsapp:").strip()
    if not text:
        raise BadValue("phone is empty")
    digits = re.sub(r"\D", "", text)
    if not text.startswith("+"):
        # 0057…: international prefix; 057…: the old long-distance habit; both mean +57.
        for prefix in ("0057", "057"):
            if digits.startswith(prefix) and len(digits) == len(prefix) + 10:
                text = "+57" + digits[len(prefix) :]
                break
    try:
        number = phonenumbers.parse(text, REGION)
    except phonenumbers.NumberParseException:
        raise BadValue(f"phone {mask(digits)} is not a phone number") from None
    if phonenumbers.region_code_for_number(number) != REGION:
        raise BadValue(f"phone {mask(digits)} is not a Colombian number")
    if not phonenumbers.is_valid_number(number):
        raise BadValue(f"phone {mask(digits)} is not a valid Colombian number (10 digits, starting with 3)")
    if phonenumbers.number_type(number) not in MOBILE_TYPES:
        raise BadValue(f"phone {mask(digits)} is a landline, not a mobile number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def parse_national_id(value: str) -> str:
    """The cédula as digits only: dots, spaces and dashes are dropped (1.017.234.567 → 1017234567)."""
    text = re.sub(r"[.\s,-]", "", _plain(value))
    if not text:
        raise BadValue("national_id is empty")
    if not text.isdigit():
        raise BadValue(f"national_id {mask(text)} has characters other than digits")
    low, high = NATIONAL_ID_DIGITS
    if not low <= len(text) <= high:
        raise BadValue(f"national_id {mask(text)} has {len(text)} digits (expected {low} to {high})")
    return text


def parse_amount(value: str, column: str) -> int:
    """Whole pesos: 150000, 150.000, $150.000, 150,000, 150000.00, $ 150.000,00."""
    text = re.sub(r"[\s$]|cop", "", value.lower())
    if not text:
        raise BadValue(f"{column} is empty")
    match = _AMOUNT.fullmatch(text)
    if not match:
        raise BadValue(f"{column} '{value.strip()[:20]}' is not an amount in pesos")
    if match["dec"] and match["group"] == match["dec"]:
        raise BadValue(
            f"{column} '{value.strip()[:20]}' is ambiguous (same separator for thousands and cents)"
        )
    if match["cents"] and int(match["cents"]):
        raise BadValue(f"{column} '{value.strip()[:20]}' has centavos; amounts are whole pesos")
    amount = int(re.sub(r"\D", "", match["whole"]))
    if amount > MAX_AMOUNT:
        raise BadValue(f"{column} '{value.strip()[:20]}' is more than $1.000.000.000: check the column")
    return amount


def parse_date(value: str, column: str) -> date:
    """2026-12-03 (ISO) or 03/12/2026 (day first, as written in Colombia); 3-12-2026 too."""
    text = value.strip()
    if not text:
        raise BadValue(f"{column} is empty")
    iso = _ISO_DATE.fullmatch(text)
    day_first = _DAY_FIRST.fullmatch(text)
    try:
        if iso:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        if day_first:
            return date(int(day_first[3]), int(day_first[2]), int(day_first[1]))
    except ValueError:
        raise BadValue(f"{column} '{text[:20]}' is not a real date") from None
    raise BadValue(f"{column} '{text[:20]}' is not a date (write 2026-12-03 or 03/12/2026)")


def parse_status(value: str) -> str:
    """pending | paid | canceled, from the English word or a Spanish one; empty means pending."""
    text = " ".join(value.strip().lower().split())
    if not text:
        return "pending"
    status = STATUS_WORDS.get(text)
    if status is None:
        raise BadValue(f"status '{value.strip()[:20]}' is unknown (pending, paid or canceled)")
    return status


def parse_instalment_number(value: str) -> int:
    text = _plain(value)
    if not text:
        raise BadValue("instalment_number is empty")
    if not text.isdigit() or not 1 <= int(text) <= MAX_INSTALMENTS:
        raise BadValue(f"instalment_number '{text[:10]}' is not a whole number from 1 to {MAX_INSTALMENTS}")
    return int(text)


def parse_text(value: str, column: str, max_length: int) -> str:
    text = " ".join(value.split())
    if not text:
        raise BadValue(f"{column} is empty")
    if len(text) > max_length:
        raise BadValue(f"{column} is longer than {max_length} characters")
    return text
