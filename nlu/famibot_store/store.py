"""A Redis tracker store whose cost per turn does not grow with the conversation.

Rasa's own Redis store keeps a conversation as one JSON string and, on every turn, reads, parses,
merges and rewrites all of it. This one keeps, per conversation (``<p>`` = key prefix + sender id):

- ``<p>:log``  — a list, every event ever logged, appended to (``RPUSH`` of the new events only);
- ``<p>:head`` — a JSON string: ``log_length``, ``window_start`` (index in the log) and ``base``
  (SlotSet/ConversationPaused events giving the state just before ``window_start``).

A turn loads ``base`` + ``log[window_start:log_length]``, so loading, policies and saving cost
O(window), not O(conversation). ``famibot_store.window`` decides when the window moves forward.
Both keys expire ``record_exp`` seconds after the last save. A conversation still in Rasa's old
format (one string at ``<p>``) is moved to the new keys the first time it is read.
See docs/TRACKER_STORE.md.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import redis
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker

from famibot_store import action_validation
from famibot_store.window import plan_cut

logger = logging.getLogger(__name__)

DEFAULT_WINDOW_EVENTS = 60
HEAD_VERSION = 1
_LOADED = "_famibot_loaded"  # attribute set on each tracker this store hands out or saves


@dataclass
class Loaded:
    """What a tracker object holds: ``base`` + ``log[window_start:log_length]``, in that order."""

    base: list[dict[str, Any]]
    window_start: int
    log_length: int
    base_events: int = field(default=0)


@dataclass(frozen=True)
class Keys:
    prefix: str
    sender_id: str

    @property
    def old(self) -> str:
        return self.prefix + self.sender_id

    @property
    def log(self) -> str:
        return f"{self.prefix}{self.sender_id}:log"

    @property
    def head(self) -> str:
        return f"{self.prefix}{self.sender_id}:head"


class WindowedRedisTrackerStore(TrackerStore):
    """Append-only event log + a bounded window; ``window_events`` is the window's minimum length."""

    def __init__(
        self,
        domain: Domain,
        host: str = "localhost",
        port: int = 6379,
        db: int = 0,
        username: str | None = None,
        password: str | None = None,
        event_broker: EventBroker | None = None,
        record_exp: float | None = None,
        key_prefix: str | None = None,
        window_events: Any = DEFAULT_WINDOW_EVENTS,
        **kwargs: dict[str, Any],
    ) -> None:
        self.red = redis.StrictRedis(
            host=host,
            port=int(port),
            db=int(db),
            username=username or None,
            password=password or None,
            decode_responses=True,
        )
        self.record_exp = int(record_exp) if record_exp else None
        self.key_prefix = (key_prefix + ":tracker:") if key_prefix else "tracker:"
        self.window_events = max(int(window_events or DEFAULT_WINDOW_EVENTS), 1)
        super().__init__(domain, event_broker, **kwargs)
        action_validation.install()  # Rasa builds the store once, at start: the answers' check too

    def keys_for(self, sender_id: str) -> Keys:
        return Keys(self.key_prefix, sender_id)

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        keys = self.keys_for(sender_id)
        raw_head = self.red.get(keys.head)
        if raw_head is None:
            return self._migrate(keys)
        head = json.loads(raw_head)
        lines = self.red.lrange(keys.log, head["window_start"], head["log_length"] - 1)
        window = [json.loads(line) for line in lines]
        if len(window) != head["log_length"] - head["window_start"]:
            logger.error("tracker log of %s is shorter than its head says; loading what is there", sender_id)
        loaded = Loaded(head["base"], head["window_start"], head["window_start"] + len(window))
        return self._tracker(sender_id, loaded, window)

    async def retrieve_full_tracker(self, sender_id: str) -> DialogueStateTracker | None:
        """The same window as ``retrieve``: GET /conversations/<id>/tracker must stay cheap.

        The whole history stays in ``<p>:log`` (see ``full_events``).
        """
        return await self.retrieve(sender_id)

    def full_events(self, sender_id: str) -> list[dict[str, Any]]:
        """Every event logged for the conversation (for export or inspection; O(conversation))."""
        return [json.loads(line) for line in self.red.lrange(self.keys_for(sender_id).log, 0, -1)]

    async def save(self, tracker: DialogueStateTracker) -> None:
        keys = self.keys_for(tracker.sender_id)
        loaded: Loaded | None = getattr(tracker, _LOADED, None)
        events = list(tracker.events)
        if loaded is None:
            # A tracker this store did not hand out: a new conversation, PUT .../tracker/events, or
            # Rasa's fail-safe after a failed read. Its events become the whole window; the log
            # keeps what was there (never deleted here).
            start = int(self.red.llen(keys.log))
            loaded = Loaded([], start, start)
        window = events[loaded.base_events :]
        new = window[loaded.log_length - loaded.window_start :]
        if self.event_broker is not None and new:
            await self._stream_new_events(self.event_broker, new, tracker.sender_id)
        base, window_start = loaded.base, loaded.window_start
        cut = plan_cut(
            sender_id=tracker.sender_id,
            slots=self.domain.slots,
            base=events[: loaded.base_events],
            window=window,
            new_count=len(new),
            keep=self.window_events,
        )
        if cut is not None:
            base, window_start = [e.as_dict() for e in cut.base], window_start + cut.index
        log_length = loaded.log_length + len(new)
        head = {"v": HEAD_VERSION, "log_length": log_length, "window_start": window_start, "base": base}
        pipe = self.red.pipeline(transaction=True)
        if new:
            pipe.rpush(keys.log, *[json.dumps(e.as_dict()) for e in new])
        pipe.set(keys.head, json.dumps(head))
        if self.record_exp:
            pipe.expire(keys.log, self.record_exp)
            pipe.expire(keys.head, self.record_exp)
        pipe.execute()
        loaded.log_length = log_length  # the object still holds its old base and window
        setattr(tracker, _LOADED, loaded)

    async def keys(self) -> Iterable[str]:
        """Sender ids of every stored conversation (new and old format)."""
        found = set()
        for key in self.red.scan_iter(match=self.key_prefix + "*"):
            name = key[len(self.key_prefix) :]
            if name.endswith(":head"):
                found.add(name[: -len(":head")])
            elif not name.endswith(":log"):
                found.add(name)
        return sorted(found)

    def _tracker(self, sender_id: str, loaded: Loaded, window: list[dict[str, Any]]) -> DialogueStateTracker:
        tracker = DialogueStateTracker.from_dict(sender_id, loaded.base + window, self.domain.slots)
        loaded.base_events = len(tracker.events) - len(window)
        setattr(tracker, _LOADED, loaded)
        return tracker

    def _migrate(self, keys: Keys) -> DialogueStateTracker | None:
        """Move a conversation stored by Rasa's RedisTrackerStore to the log + head format."""
        old = self.red.get(keys.old)
        if old is None:
            return None
        stored: list[dict[str, Any]] = json.loads(old).get("events") or []
        events = [Event.from_parameters(e) for e in stored]
        kept = [(d, e) for d, e in zip(stored, events, strict=True) if e is not None]
        window_events = [e for _, e in kept]
        cut = plan_cut(
            sender_id=keys.sender_id,
            slots=self.domain.slots,
            base=[],
            window=window_events,
            new_count=len(window_events),
            keep=self.window_events,
        )
        base = [e.as_dict() for e in cut.base] if cut else []
        start = cut.index if cut else 0
        head = {"v": HEAD_VERSION, "log_length": len(kept), "window_start": start, "base": base}
        pipe = self.red.pipeline(transaction=True)
        pipe.delete(keys.log)
        if kept:
            pipe.rpush(keys.log, *[json.dumps(d) for d, _ in kept])
        pipe.set(keys.head, json.dumps(head))
        ttl = self.red.ttl(keys.old)
        if ttl and ttl > 0:
            pipe.expire(keys.log, ttl)
            pipe.expire(keys.head, ttl)
        pipe.delete(keys.old)
        pipe.execute()
        logger.info("moved a tracker to the windowed format (%d events)", len(kept))
        return self._tracker(keys.sender_id, Loaded(base, start, len(kept)), [d for d, _ in kept[start:]])
