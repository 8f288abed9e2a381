"""Who may act on a ticket: its assignee or a supervisor; a note, anyone who can see the ticket."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.db.models import HandoffRequest, User
from bot.handoff.content import Notices

SUPERVISOR = "supervisor"


def is_supervisor(user: User) -> bool:
    return user.role == SUPERVISOR and user.active


def refusal_to_act(ticket: HandoffRequest | None, user: User, *, open_ok: bool = False) -> str | None:
    """Why ``user`` may not reply to, hand back, close or transfer the ticket (a notice's name), or None.

    ``open_ok``: a supervisor may also act on a ticket nobody claimed yet (close a wrong number).
    """
    if ticket is None or not user.active:
        return "not_found"
    if ticket.status == "closed":
        return "closed"
    if ticket.status == "open" and open_ok and is_supervisor(user):
        return None
    if ticket.status != "claimed":
        return "not_claimed"
    if ticket.assignee_id != user.id and not is_supervisor(user):
        return "not_yours"
    return None


def refusal_to_note(ticket: HandoffRequest | None, user: User) -> str | None:
    """A note may be left by the assignee, a consultant of the ticket's branch, or a supervisor."""
    if ticket is None or not user.active:
        return "not_found"
    if is_supervisor(user) or ticket.assignee_id == user.id or user.branch == ticket.branch:
        return None
    return "not_yours"


@dataclass(frozen=True, slots=True)
class ActionResult:
    """What came of a consultant's action: ``code`` names the notice (data/handoff.yml ``notices``)."""

    ok: bool
    code: str
    params: dict[str, str | int] = field(default_factory=dict)

    def notice(self, notices: Notices) -> str:
        """The Spanish sentence the console shows."""
        return str(getattr(notices, self.code)).format(**self.params)


def refused(code: str, **params: str | int) -> ActionResult:
    return ActionResult(False, code, dict(params))
