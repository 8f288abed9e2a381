"""The data/ words the console's templates show, taken from what the runtime loaded and validated at
start (``runtime.handoff``: reasons, branches; ``runtime.consultant``: outcomes, canned replies,
notices; ``runtime.documents`` / ``runtime.rejection_reasons``: document titles, rejection reasons).
Nothing here reads a file: each data file has one loader, in bot/."""

from __future__ import annotations

from dataclasses import dataclass

from bot.runtime import Runtime
from webhooks.console.wording import SYSTEM_OUTCOMES


@dataclass(frozen=True, slots=True)
class ConsoleContent:
    reasons: dict[str, str]  # id -> Spanish label
    branches: dict[str, str]  # id -> name
    outcomes: dict[str, str]  # the ones a consultant picks from, id -> label
    canned: list[tuple[str, str]]  # (label, text)
    products: dict[str, str]  # loan product id -> name
    documents: dict[str, str]  # document item id -> title (data/documents.yml)
    rejection_reasons: dict[str, str]  # why a document is sent back, id -> label (data/documents.yml)

    def outcome_label(self, outcome: str | None) -> str:
        key = outcome or "sin_resultado"
        return self.outcomes.get(key) or SYSTEM_OUTCOMES.get(key, key)


def console_content(runtime: Runtime) -> ConsoleContent:
    return ConsoleContent(
        reasons={key: reason.label for key, reason in runtime.handoff.data.reasons.items()},
        branches={branch.id: branch.name for branch in runtime.handoff.branches.branches},
        outcomes={outcome.id: outcome.label for outcome in runtime.consultant.outcomes},
        canned=[(reply.label, reply.text) for reply in runtime.consultant.canned_replies],
        products={product.id: product.name for product in runtime.prequal.rules.products},
        documents={item.id: item.title for item in runtime.documents.items},
        rejection_reasons=runtime.rejection_reasons.labels(),
    )
