"""Where a conversation's loaded window may start, and what must come before it.

A tracker is loaded as ``base + window``: ``window`` is the tail of the conversation's event log,
``base`` a few synthetic events (SlotSet, ConversationPaused) that put the tracker in the state the
full log had just before the window's first event. Policies look at the last few turns only (no rule
here has ``conversation_start``; MemoizationPolicy has max_history 3), so the predictions on a window
that starts at a quiet turn boundary are the ones the full log would give.

A window may start:

- at the turn that opened the latest session (``action_session_start`` resets every slot, loop and
  pause, so nothing before it is needed: ``base`` is empty, as in Rasa's own stores, which load the
  last session only);
- when the window holds ``2 * keep`` events or more, at the latest *quiet* turn boundary that leaves at
  least ``keep`` events: an ``action_listen`` followed by the user's message, with no form (active
  loop) running, and a message that is not undone in its own turn (a rewind reverts to the turn
  before it, which must then be in the window). The state there is found by replaying ``base`` and
  the events before it.

Inside a running form no cut is made: the form's rules look back to the form's first execution
(Rasa's ``applied_events`` folds a form's turns into it). A form only holds a window open while it runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
from rasa.shared.core.events import (
    ActionExecuted,
    ConversationPaused,
    Event,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.slots import Slot
from rasa.shared.core.trackers import DialogueStateTracker


@dataclass(frozen=True)
class Cut:
    """Drop ``window[:index]``; the new window starts with ``base``."""

    index: int
    base: list[Event]


def plan_cut(
    *,
    sender_id: str,
    slots: Iterable[Slot],
    base: Sequence[Event],
    window: Sequence[Event],
    new_count: int,
    keep: int,
) -> Cut | None:
    """The cut to make after ``new_count`` events were appended to ``window``, or None."""
    session_turn = _latest_session_turn(window, first=max(len(window) - new_count, 1))
    if session_turn is not None and session_turn > 0:
        return Cut(session_turn, [])
    if len(window) < 2 * keep:
        return None
    return _quiet_cut(sender_id, slots, base, window, last=len(window) - keep)


def _latest_session_turn(window: Sequence[Event], *, first: int) -> int | None:
    """Start of the turn holding the latest ``action_session_start`` at index >= ``first``.

    Normally the session starts before the user's message is logged (only the SlotSet of its
    metadata precedes it). A ``/session_start`` message or ``trigger_intent`` logs a user event first;
    the turn then starts at the ``action_listen`` before that event, so the window keeps the user's
    message (the gateway finds its turn by the message's metadata).
    """
    for start in range(len(window) - 1, first - 1, -1):
        event = window[start]
        if isinstance(event, ActionExecuted) and event.action_name == ACTION_SESSION_START_NAME:
            return _turn_start(window, start)
    return None


def _turn_start(window: Sequence[Event], index: int) -> int:
    seen_user = False
    while index > 0:
        previous = window[index - 1]
        if isinstance(previous, ActionExecuted):
            if seen_user and previous.action_name == ACTION_LISTEN_NAME:
                index -= 1
            return index
        if isinstance(previous, UserUttered):
            seen_user = True
        index -= 1
    return index


def _quiet_cut(
    sender_id: str, slots: Iterable[Slot], base: Sequence[Event], window: Sequence[Event], *, last: int
) -> Cut | None:
    replay = DialogueStateTracker(sender_id, slots)
    for event in base:
        replay.update(event)
    found: Cut | None = None
    for index in range(last + 1):
        if (
            index >= 1
            and _is_turn_boundary(window, index)
            and replay.active_loop is None
            and not _turn_is_reverted(window, user_index=index + 1)
        ):
            found = Cut(index, _state_events(replay, timestamp=window[index].timestamp))
        replay.update(window[index])
    return found


def _is_turn_boundary(window: Sequence[Event], index: int) -> bool:
    event = window[index]
    return (
        isinstance(event, ActionExecuted)
        and event.action_name == ACTION_LISTEN_NAME
        and index + 1 < len(window)
        and isinstance(window[index + 1], UserUttered)
    )


def _turn_is_reverted(window: Sequence[Event], *, user_index: int) -> bool:
    """Whether the user's message at ``user_index`` is undone in its own turn (a fallback, or the
    gateway undoing a failed try): the state it reverts to is the previous turn's, which a window
    starting at this message would not hold."""
    for event in window[user_index + 1 :]:
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, UserUtteranceReverted):
            return True
    return False


def _state_events(tracker: DialogueStateTracker, *, timestamp: float) -> list[Event]:
    """Events that rebuild the replayed tracker's slots and pause on an empty tracker."""
    events: list[Event] = [
        SlotSet(name, slot.value, timestamp=timestamp)
        for name, slot in tracker.slots.items()
        if slot.value != slot.initial_value
    ]
    if tracker.is_paused():
        events.append(ConversationPaused(timestamp=timestamp))
    return events
