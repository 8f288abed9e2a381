"""The one place that decides who may see a ticket and who may act on it.

A supervisor sees every ticket and may act on every claimed one. A consultant sees the tickets of
their branch (and any they hold, e.g. transferred to them by a supervisor); to reply, hand back, close
or transfer they must be the ticket's assignee. A note may be left by anyone who sees the ticket.
The console asks these functions before it shows a page; the actions ask them again inside their
transaction (``refusal_to_act`` on the locked row).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from bot.db.models import HandoffRequest
from bot.handoff.content import Notices

SUPERVISOR = "supervisor"
CONSULTANT = "consultant"


class Actor(Protocol):
    """A console account as the rules need it: the ORM ``User`` or the console's ``ConsoleUser``."""

    @property
    def id(self) -> int: ...
    @property
    def display_name(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def branch(self) -> str | None: ...
    @property
    def active(self) -> bool: ...


def is_supervisor(user: Actor) -> bool:
    return user.role == SUPERVISOR and user.active


def can_see(user: Actor, ticket: HandoffRequest) -> bool:
    """A supervisor: every ticket; a consultant: their branch's tickets and the ones they hold."""
    if not user.active:
        return False
    if user.role == SUPERVISOR:
        return True
    return user.role == CONSULTANT and (
        (ticket.branch is not None and ticket.branch == user.branch) or ticket.assignee_id == user.id
    )


def refusal_to_see(ticket: HandoffRequest | None, user: Actor) -> str | None:
    """Why ``user`` may not see the ticket (a notice's name: not_found, other_branch), or None."""
    if ticket is None or not user.active:
        return "not_found"
    return None if can_see(user, ticket) else "other_branch"


def refusal_to_act(ticket: HandoffRequest | None, user: Actor, *, open_ok: bool = False) -> str | None:
    """Why ``user`` may not reply to, hand back, close or transfer the ticket (a notice's name), or None.

    ``open_ok``: a supervisor may also act on a ticket nobody claimed yet (close a wrong number).
    """
    if (refusal := refusal_to_see(ticket, user)) is not None or ticket is None:
        return refusal or "not_found"
    if ticket.status == "closed":
        return "closed"
    if ticket.status == "open" and open_ok and is_supervisor(user):
        return None
    if ticket.status != "claimed":
        return "not_claimed"
    if ticket.assignee_id != user.id and not is_supervisor(user):
        return "not_yours"
    return None


def refusal_to_note(ticket: HandoffRequest | None, user: Actor) -> str | None:
    """A note: anyone who may see the ticket (its assignee, its branch's consultants, a supervisor)."""
    return refusal_to_see(ticket, user)


def may_transfer_to(user: Actor, target: Actor, ticket: HandoffRequest) -> bool:
    """To an active account of the ticket's branch or a supervisor; a supervisor, to anyone active."""
    if not target.active:
        return False
    return is_supervisor(user) or is_supervisor(target) or target.branch == ticket.branch


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
