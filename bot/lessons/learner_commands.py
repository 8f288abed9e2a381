"""What a learner's message asks of the course: "siguiente", "pausar", "¿cómo voy?"… A pure function.

A message is a command only when it is made of a command's trigger and harmless words around it
("quiero", "el curso", "por favor"): "cuánto me falta" asks for progress, "cuánto me falta por pagar"
does not (it is about the loan, for Rasa); "siguiente" is the next lesson, "¿cuándo es el siguiente
pago?" is not. A misspelt trigger one typo away counts ("sigiente").

The opt-out keywords (data/keywords.yml: PARAR, DETENER, CANCELAR, SALIR, BAJA, STOP, NO MAS…) are
matched BEFORE this in the gateway and must stay opt-outs: alone they are never a command here. With
the course named they are ("detener el curso" pauses, "salir del curso" leaves).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from rapidfuzz.distance import OSA

from bot.text import normalise

LearnerCommand = Literal["next", "pause", "resume", "progress", "switch", "leave", "courses"]

_COURSE: Final = frozenset({"curso", "cursos", "leccion", "lecciones", "clase", "clases"})
# Words that may surround any command without changing it.
_POLITE: Final = frozenset(
    {"hola", "buenas", "gracias", "porfa", "porfavor", "por", "favor", "pues", "ok", "okey", "bueno",
     "listo", "dale", "si", "ya", "senora", "senor", "profe", "quiero", "queria", "quisiera", "me",
     "gustaria", "el", "la", "los", "las", "lo", "de", "del", "con", "en", "un", "una", "mi", "mis",
     "al", "a", "este", "esta", "ese", "esa", "ahora", "curso", "leccion", "lecciones", "clase", "clases"}
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Rule:
    command: LearnerCommand
    triggers: tuple[str, ...]  # phrases, one of which the message holds
    glue: frozenset[str] = frozenset()  # words allowed besides the trigger and _POLITE
    needs: frozenset[str] = frozenset()  # when set, the message must also hold one of these words


_SEND: Final = frozenset(
    {"mandeme", "mande", "mandar", "envieme", "enviar", "envie", "deme", "paseme", "pasar"}
)
_RULES: Final = (
    _Rule("leave", ("dejar", "salir", "salirme", "terminar", "abandonar", "retirarme", "cancelar", "no mas"),
          frozenset({"quiero", "voy", "retirar"}), needs=_COURSE),
    _Rule("leave", ("no quiero", "no voy a"), frozenset({"mas", "seguir", "continuar", "hacer", "tomar"}),
          needs=_COURSE | {"seguir", "continuar"}),
    _Rule("switch", ("cambiar", "cambio", "cambiarme", "otro"), frozenset({"ver", "tomar", "hacer"}),
          needs=frozenset({"curso"})),
    _Rule("pause", ("pausar", "pausa", "pause", "pausarlo", "pausalo", "pausemos", "pausen"),
          frozenset({"no", "puedo", "hacer", "poner", "por", "rato", "tiempo", "momento", "unos", "dias",
                     "hoy", "semana", "mientras", "tanto", "despues", "sigo", "seguimos", "favor"})),
    _Rule("pause", ("detener", "parar", "suspender", "frenar"), frozenset({"por", "ahora", "rato"}),
          needs=_COURSE),
    _Rule("next", ("siguiente", "proxima"), frozenset(_SEND | {"vamos", "continuar", "seguir", "sigamos",
                                                               "puede", "podria", "ver", "pasemos"})),
    _Rule("next", ("otra",), frozenset(_SEND | {"puede", "podria"}),
          needs=frozenset(_SEND | {"leccion", "clase"})),
    _Rule("progress", ("como voy", "como vamos", "cuanto me falta", "cuanto falta", "cuantas faltan",
                       "me faltan", "faltan", "en que voy", "en que leccion voy", "en que leccion estoy"),
          frozenset({"ver", "saber", "para", "terminar", "acabar", "terminarlo", "voy", "llevo", "cuantas"})),
    # "avance" alone may be "go on" or a cash advance: only "mi avance", "ver el avance del curso"
    _Rule("progress", ("avance", "progreso"), frozenset({"ver", "saber"}),
          needs=frozenset({"mi", "ver", "curso", "el"})),
    _Rule("resume", ("seguir", "continuar", "retomar", "reanudar", "sigamos", "continuemos", "seguimos"),
          frozenset({"nuevo", "puedo", "vamos", "aprendiendo", "estudiando"})),
    _Rule("resume", ("volver",), frozenset({"quiero"}), needs=frozenset({"curso"})),
    _Rule("courses", ("cursos", "lecciones", "aprender"),
          frozenset({"ver", "que", "hay", "cuales", "tienen", "mostrar", "muestreme", "mandeme", "todos",
                     "otros"})),
)  # fmt: skip
_KNOWN: Final = (
    frozenset(
        word
        for rule in _RULES
        for word in (*rule.glue, *rule.needs, *(w for trigger in rule.triggers for w in trigger.split()))
    )
    | _POLITE
)
# Shorter words are never corrected: one letter turns "pare" into "para", "salga" into "salsa".
_TYPO_MIN_LENGTH: Final = 6


def learner_command(text: str) -> LearnerCommand | None:
    """What a learner's message asks of the course, or None."""
    words = [_corrected(word) for word in normalise(text).split()]
    if not words:
        return None
    message = f" {' '.join(words)} "
    for rule in _RULES:
        for trigger in rule.triggers:
            at = message.find(f" {trigger} ")
            if at < 0:
                continue
            rest = (message[:at] + message[at + len(trigger) + 1 :]).split()
            if rule.needs and not rule.needs.intersection(rest):
                continue
            if all(word in _POLITE or word in rule.glue or word in rule.needs for word in rest):
                return rule.command
    return None


def _corrected(word: str) -> str:
    """A trigger one typo away ("sigiente" → "siguiente"), if exactly one is; else the word."""
    if len(word) < _TYPO_MIN_LENGTH or word in _KNOWN:
        return word
    near = {known for known in _KNOWN if len(known) >= _TYPO_MIN_LENGTH and OSA.distance(word, known) <= 1}
    return near.pop() if len(near) == 1 else word
