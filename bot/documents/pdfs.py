"""Open one PDF with pypdf: it must open without a password and have between 1 and N pages.

A PDF protected only by an owner password (printing or copying forbidden, as many bank and utility
PDFs are) opens with the empty password and is accepted: any viewer shows it to the consultant.
"""

from __future__ import annotations

from io import BytesIO

from pypdf import PasswordType, PdfReader

from bot.documents.content import FileLimits, Refusal


def check_pdf(data: bytes, limits: FileLimits) -> tuple[Refusal | None, int, str]:
    """(problem or ``None``, page count, detail for the log)."""
    try:
        reader = PdfReader(BytesIO(data), strict=False)
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            return "pdf_encrypted", 0, "user password"
        pages = len(reader.pages)
    except Exception as error:  # hostile input: pypdf raises errors of many kinds
        return "unreadable", 0, type(error).__name__
    if pages < 1:
        return "unreadable", 0, "no pages"
    if pages > limits.pdf_max_pages:
        return "pdf_too_many_pages", pages, f"pages={pages}"
    return None, pages, f"pages={pages}"
