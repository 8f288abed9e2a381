"""One place decides who may see a ticket and act on it (bot/handoff/access.py), for the console's
logged-in user (ConsoleUser) and the ORM User alike."""

from __future__ import annotations

import pytest

from bot.accounts import ConsoleUser
from bot.db.models import HandoffRequest, User
from bot.handoff.access import (
    can_see,
    may_transfer_to,
    refusal_to_act,
    refusal_to_note,
    refusal_to_see,
)

ANA = ConsoleUser(1, "ana", "Ana", "consultant", "bello")  # holds the ticket
CARLA = ConsoleUser(2, "carla", "Carla", "consultant", "bello")  # same branch
BETO = ConsoleUser(3, "beto", "Beto", "consultant", "itagui")  # another branch
SARA = ConsoleUser(4, "sara", "Sara", "supervisor", None)
GONE = ConsoleUser(5, "gone", "Ido", "supervisor", None, active=False)


def ticket(status: str = "claimed", assignee: int | None = 1, branch: str = "bello") -> HandoffRequest:
    return HandoffRequest(id=9, conversation_id=9, status=status, assignee_id=assignee, branch=branch)


@pytest.mark.parametrize(
    ("user", "see", "act", "note"),
    [
        (ANA, None, None, None),
        (CARLA, None, "not_yours", None),  # sees and notes, does not act on a colleague's ticket
        (BETO, "other_branch", "other_branch", "other_branch"),
        (SARA, None, None, None),
        (GONE, "not_found", "not_found", "not_found"),
    ],
)
def test_who_sees_and_acts_on_a_claimed_ticket(
    user: ConsoleUser, see: str | None, act: str | None, note: str | None
) -> None:
    claimed = ticket()
    assert (refusal_to_see(claimed, user), refusal_to_act(claimed, user), refusal_to_note(claimed, user)) == (
        see,
        act,
        note,
    )
    assert can_see(user, claimed) is (see is None)


def test_states_and_the_supervisor_closing_an_unclaimed_ticket() -> None:
    assert refusal_to_act(None, ANA) == "not_found"
    assert refusal_to_act(ticket(status="closed"), ANA) == "closed"
    assert refusal_to_act(ticket(status="open", assignee=None), ANA) == "not_claimed"
    assert refusal_to_act(ticket(status="open", assignee=None), ANA, open_ok=True) == "not_claimed"
    assert refusal_to_act(ticket(status="open", assignee=None), SARA, open_ok=True) is None
    assert refusal_to_act(ticket(status="open", assignee=None), SARA) == "not_claimed"


def test_a_consultant_holding_a_ticket_of_another_branch_sees_it() -> None:
    transferred = ticket(assignee=BETO.id)  # a supervisor gave Beto a Bello ticket
    assert refusal_to_see(transferred, BETO) is None and refusal_to_act(transferred, BETO) is None


def test_the_orm_user_is_judged_the_same_way() -> None:
    beto = User(id=3, display_name="Beto", role="consultant", branch="itagui", active=True)
    assert refusal_to_see(ticket(), beto) == "other_branch"
    assert refusal_to_act(ticket(assignee=3), beto) is None


def test_transfer_targets() -> None:
    claimed = ticket()
    assert may_transfer_to(ANA, CARLA, claimed) and may_transfer_to(ANA, SARA, claimed)
    assert not may_transfer_to(ANA, BETO, claimed)  # another branch: only a supervisor may send it there
    assert may_transfer_to(SARA, BETO, claimed)
    assert not may_transfer_to(SARA, GONE, claimed)
