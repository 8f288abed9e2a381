"""The payments' replies, per channel: pure functions of the person's loans and data/payments.yml.

WhatsApp gets every loan line and every way to pay; SMS gets the same facts folded to GSM-7 and the
short forms of the ways to pay as far as ``sms_segments`` allow (each loan line always; a channel only
when it still fits).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from babel.dates import format_date

from bot.gsm7 import fold_to_gsm7, sms_size
from bot.payments.choice import LoanStanding
from bot.payments.content import PaymentChannels, PaymentWords

LOCALE = "es_CO"


def pesos(amount: int) -> str:
    """150000 → "$150.000"."""
    return "$" + f"{amount:,}".replace(",", ".")


def long_date(day: date) -> str:
    """date(2026, 12, 3) → "jueves 3 de diciembre"."""
    return format_date(day, "EEEE d 'de' MMMM", locale=LOCALE)


def loan_lines(words: PaymentWords, loans: Sequence[LoanStanding], *, today: date) -> list[str]:
    """One loan: its sentence; several: a heading and one line each."""
    if len(loans) == 1:
        (only,) = loans
        if only.next_unpaid is None:
            return [words.paid_up]
        template = words.overdue if only.overdue(today) else words.due
        return [template.format(**_facts(only))]
    lines = [words.several]
    for loan in loans:
        if loan.next_unpaid is None:
            lines.append(words.paid_up_line.format(loan_ref=loan.loan.loan_ref))
        else:
            template = words.overdue_line if loan.overdue(today) else words.due_line
            lines.append(template.format(loan_ref=loan.loan.loan_ref, **_facts(loan)))
    return lines


def _facts(loan: LoanStanding) -> dict[str, str]:
    assert loan.next_unpaid is not None
    return {
        "amount": pesos(loan.amount_left()),
        "date": long_date(loan.next_unpaid.due_on),
        "left": str(loan.left),
    }


def payment_info(
    words: PaymentWords,
    channels: PaymentChannels,
    loans: Sequence[LoanStanding],
    *,
    channel: str,
    today: date,
    sms_segments: int = 2,
) -> str:
    """The answer to "¿cuánto debo?" / "¿dónde pago?"; no loan: say so and offer a person."""
    if not loans:
        return words.no_loan
    lines = loan_lines(words, loans, today=today)
    owing = [loan for loan in loans if loan.next_unpaid is not None]
    if not owing:
        return "\n".join(lines)
    # the reference to give: the loan's own, or "the number of your loan" when several owe
    reference = owing[0].loan.loan_ref if len(owing) == 1 else words.reference_several
    if channel != "sms":
        ways = [way.fill(way.text, loan_ref=reference) for way in channels.channels]
        return "\n".join([*lines, "", words.where, *(f"- {way}" for way in ways), "", words.after_info])
    text = fold_to_gsm7(" ".join(lines))
    shown: list[str] = []
    for way in channels.channels:
        short = way.fill(way.sms, loan_ref=reference)
        if sms_size(_with_ways(text, words.where_sms, [*shown, short])).segments <= sms_segments:
            shown.append(short)
    return _with_ways(text, words.where_sms, shown) if shown else text


def _with_ways(text: str, heading: str, ways: list[str]) -> str:
    return fold_to_gsm7(f"{text} {heading} {'; '.join(ways)}.")
