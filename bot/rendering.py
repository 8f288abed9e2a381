"""Render one bot turn (Rasa's text + buttons) for a channel: as few messages as the channel allows."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.gsm7 import fold_to_gsm7, sms_size
from bot.menus import numbered_menu
from bot.rasa_client import BotReply, Button
from bot.templates import ContentTemplate, WhatsAppTemplates

WHATSAPP_MAX_CHARS = 1600
TEMPLATE_VARIABLE_MAX_CHARS = 1000
_SENTENCE_END = re.compile(r"(?<=[.!?])[ ]+|\n")


@dataclass(frozen=True, slots=True)
class OutboundPart:
    body: str
    media_urls: tuple[str, ...] = ()
    encoding: str | None = None
    segments: int | None = None
    content_sid: str | None = None  # a WhatsApp Content template; ``body`` then fills its {{1}}
    content_variables: dict[str, str] | None = None


@dataclass(frozen=True, slots=True)
class RenderedTurn:
    parts: list[OutboundPart]
    menu: tuple[Button, ...]


def render_turn(
    replies: Sequence[BotReply],
    channel: str,
    *,
    sms_segment_budget: int,
    templates: WhatsAppTemplates | None = None,
) -> RenderedTurn:
    texts = [reply.text.strip() for reply in replies if reply.text.strip()]
    menu: tuple[Button, ...] = ()
    for reply in replies:
        if reply.buttons:
            menu = reply.buttons  # the last menu of the turn is the one the user answers
    images = tuple(reply.image for reply in replies if reply.image)
    template = templates.for_buttons(menu) if channel == "whatsapp" and menu and templates else None
    if template is not None:
        return RenderedTurn(parts=_with_template(texts, images, template), menu=menu)
    question = _question_count(replies)
    if menu:
        texts.append(numbered_menu(menu))
    if channel == "sms":
        chunks = sms_chunks(texts, keep_whole=question + 1 if menu else 0, budget=sms_segment_budget)
        parts = [_sms_part(chunk) for chunk in chunks]
    else:
        body = "\n\n".join(texts)
        chunks = split_text(body, lambda chunk: len(chunk) <= WHATSAPP_MAX_CHARS)
        parts = [OutboundPart(body=chunk) for chunk in chunks]
        if images:
            first = parts[0] if parts else OutboundPart(body="")
            parts[:1] = [OutboundPart(body=first.body, media_urls=images)]
    return RenderedTurn(parts=parts, menu=menu)


def _with_template(
    texts: list[str], images: tuple[str, ...], template: ContentTemplate
) -> list[OutboundPart]:
    """The turn's text goes into the template's {{1}}; text too long for it goes first, as free text."""
    chunks = split_text("\n\n".join(texts), lambda chunk: len(chunk) <= TEMPLATE_VARIABLE_MAX_CHARS)
    last = chunks.pop() if chunks else ""
    parts = [OutboundPart(body=chunk) for chunk in chunks]
    if images:
        parts.insert(0, OutboundPart(body="", media_urls=images))
    parts.append(OutboundPart(body=last, content_sid=template.content_sid, content_variables={"1": last}))
    return parts


def _question_count(replies: Sequence[BotReply]) -> int:
    """1 when the last text of the turn is the question whose buttons make the menu, else 0."""
    said = [reply for reply in replies if reply.text.strip()]
    return 1 if said and said[-1].buttons else 0


def sms_chunks(texts: list[str], *, keep_whole: int, budget: int) -> list[str]:
    """The turn's texts folded to GSM-7, in parts of at most ``budget`` segments. The last
    ``keep_whole`` texts (a question and its numbered menu) stay in one part when they fit one:
    "Responda 1." never goes out apart from its options."""

    def fits(chunk: str) -> bool:
        return sms_size(chunk).segments <= budget

    chunks = split_text(fold_to_gsm7("\n".join(texts)), fits)
    if len(chunks) <= 1 or not keep_whole or keep_whole >= len(texts):
        return chunks
    block = fold_to_gsm7("\n".join(texts[-keep_whole:]))
    if not fits(block):
        return chunks
    head = split_text(fold_to_gsm7("\n".join(texts[:-keep_whole])), fits)
    if head and fits(f"{head[-1]}\n{block}"):
        return [*head[:-1], f"{head[-1]}\n{block}"]
    return [*head, block]


def _sms_part(text: str) -> OutboundPart:
    size = sms_size(text)
    return OutboundPart(body=text, encoding=size.encoding, segments=size.segments)


def split_text(text: str, fits: Callable[[str], bool]) -> list[str]:
    """Pack whole sentences (and lines) into as few chunks as ``fits`` allows, in order."""
    if not text:
        return []
    if fits(text):
        return [text]
    pieces: list[tuple[str, str]] = []  # (sentence, separator that followed it)
    position = 0
    for match in _SENTENCE_END.finditer(text):
        pieces.append((text[position : match.start()], "\n" if "\n" in match.group() else " "))
        position = match.end()
    pieces.append((text[position:], ""))
    chunks: list[str] = []
    current = ""
    for sentence, separator in pieces:
        for word_chunk in _hard_split(sentence, fits):
            candidate = (current + word_chunk) if current else word_chunk
            if current and not fits(candidate.rstrip()):
                chunks.append(current.rstrip())
                candidate = word_chunk
            current = candidate
        current += separator
    if current.strip():
        chunks.append(current.rstrip())
    return [chunk for chunk in chunks if chunk]


def _hard_split(sentence: str, fits: Callable[[str], bool]) -> list[str]:
    """A sentence too long for one message is cut between words (never inside one)."""
    if fits(sentence):
        return [sentence]
    out: list[str] = []
    current = ""
    for word in sentence.split(" "):
        candidate = f"{current} {word}" if current else word
        if current and not fits(candidate):
            out.append(current + " ")
            candidate = word
        current = candidate
    out.append(current)
    return out
