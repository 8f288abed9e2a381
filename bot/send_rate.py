"""The send rate of each sender number (the SMS From number, the WhatsApp sender), shared by all workers.

Twilio releases what a sender sends at a fixed rate and queues the rest: a wave of 2,000 reminders sent
as fast as the worker can would wait in Twilio's queue, eating the ValidityPeriod that keeps it inside
the contact hours. So the outbox asks :meth:`SendRate.take` for a slot before each send.

GCRA (generic cell rate algorithm), in one Lua script so that every worker shares it atomically: each
sender has a *theoretical arrival time* (``tat``); a send at ``now`` conforms from ``tat - tolerance``
and moves ``tat`` on by one interval (1/rate, times the SMS segments). Time is Redis's own (``TIME``),
so workers on machines with different clocks agree.

- A reply to the person's own message never waits, but takes its slot: it moves ``tat`` on, so the
  proactive sends behind it come later and a wave plus live conversations keeps to the rate.
- A proactive send (``bot.send_policy.is_proactive``) reserves the next slot. Near (up to
  ``max_sleep_s``): the caller sleeps until it. Far: the slot is *held* for that row and the caller
  re-schedules the conversation's job for then, without holding a worker slot; when the job comes back
  it takes its held slot (no new reservation, so coming back early or twice costs nothing).
- Held slots are a schedule already handed out; a reply sent meanwhile pushes every held slot after it
  one interval later (``shift``), so the wave moves aside for it instead of going over the rate.
- A held slot nobody comes for expires (``HOLD_GRACE_S`` after it): a worker that died loses a slot, not
  the rate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis

HOLD_GRACE_S = 120
KEY_PREFIX = "famibot:send-rate"

# KEYS[1]: the sender's state (hash: tat, shift); KEYS[2]: this row's held slot (hash: slot, shift).
# ARGV: interval_s, tolerance_s, mode ("reply" | "proactive"), max_sleep_s, grace_s.
# Answers {wait_s, held}: floats as strings (Lua numbers become integers in Redis replies).
GCRA_LUA = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) + tonumber(now_parts[2]) / 1000000
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local max_sleep = tonumber(ARGV[4])
local grace = tonumber(ARGV[5])
local state = redis.call('HMGET', KEYS[1], 'tat', 'shift')
local tat = tonumber(state[1]) or now
local shift = tonumber(state[2]) or 0
if ARGV[3] == 'proactive' then
  local held = redis.call('HMGET', KEYS[2], 'slot', 'shift')
  if held[1] then
    local wait = tonumber(held[1]) + shift - tonumber(held[2]) - now
    if wait <= max_sleep then
      redis.call('DEL', KEYS[2])
      return {tostring(math.max(wait, 0)), 0}
    end
    return {tostring(wait), 1}
  end
end
local start = math.max(tat, now)
local slot = math.max(tat - tolerance, now)
if ARGV[3] == 'reply' then
  slot = now
  if tat > now then
    shift = shift + interval
  end
end
local new_tat = start + interval
redis.call('HSET', KEYS[1], 'tat', tostring(new_tat), 'shift', tostring(shift))
redis.call('EXPIRE', KEYS[1], math.ceil(new_tat - now + grace))
local wait = slot - now
if ARGV[3] == 'proactive' and wait > max_sleep then
  redis.call('HSET', KEYS[2], 'slot', tostring(slot), 'shift', tostring(shift))
  redis.call('EXPIRE', KEYS[2], math.ceil(wait + grace))
  return {tostring(wait), 1}
end
return {tostring(wait), 0}
"""


@dataclass(frozen=True, slots=True)
class Slot:
    """``wait_s`` until the send may go; ``held``: too far to sleep, come back then (it is kept)."""

    wait_s: float
    held: bool = False


class SendRate:
    """Per-sender GCRA over Redis. Build once (``bot.runtime``); the script is registered lazily."""

    def __init__(
        self,
        redis: Redis,
        *,
        per_s: dict[str, float],
        burst: int,
        max_sleep_s: float,
        key_prefix: str = KEY_PREFIX,
    ) -> None:
        if any(rate <= 0 for rate in per_s.values()) or burst < 1:
            raise ValueError("send rates must be positive and the burst at least 1")
        self._per_s = dict(per_s)
        self._burst = burst
        self.max_sleep_s = max_sleep_s
        self._prefix = key_prefix
        self._script: Any = redis.register_script(GCRA_LUA)

    @property
    def total_per_s(self) -> float:
        """Messages per second over every sender: the pace at which to hand out a wave of work."""
        return sum(self._per_s.values())

    async def take(self, sender: str, *, channel: str, proactive: bool, row_id: int, cost: int = 1) -> Slot:
        """Reserve the next slot of ``sender`` for outbox row ``row_id``. Raises Redis errors: the caller
        decides (a reply goes anyway, a proactive send waits)."""
        interval = max(cost, 1) / self._per_s[channel]
        tolerance = (self._burst - 1) / self._per_s[channel]
        keys = [f"{self._prefix}:{sender}", f"{self._prefix}:{sender}:held:{row_id}"]
        mode = "proactive" if proactive else "reply"
        args = [repr(interval), repr(tolerance), mode, repr(self.max_sleep_s), HOLD_GRACE_S]
        wait, held = await self._script(keys=keys, args=args)
        return Slot(float(wait), held=bool(int(held)))


class SendPaced(Exception):
    """A proactive send's slot is far: run the conversation's job again in ``retry_in_s``.

    Not a failure: the worker re-schedules the job for then without counting a failed try or backing
    off (bot/worker.py).
    """

    def __init__(self, retry_in_s: float) -> None:
        super().__init__(f"send rate: next slot in {retry_in_s:.2f} s")
        self.retry_in_s = retry_in_s


# The worker polls its queue every POLL_DELAY_S (0.25 s, bot/worker.py): a job re-scheduled for its
# slot comes back up to that late, so it is re-scheduled this much early and sleeps the rest.
COME_BACK_EARLY_S = 0.3


def come_back_in(slot: Slot) -> float:
    return max(slot.wait_s - COME_BACK_EARLY_S, 0.0)


# A job re-scheduled for its slot (SendPaced) ran and failed at nothing: arq still counts the try. The
# worker notes such tries per job id, so a real failure later backs off as after the tries that failed.
PACED_TRIES_TTL_S = 24 * 3600


def paced_tries_key(job_id: str) -> str:
    return f"famibot:paced-tries:{job_id}"


async def note_paced_try(redis: Any, job_id: str) -> None:
    key = paced_tries_key(job_id)
    async with redis.pipeline(transaction=True) as pipe:
        await pipe.incr(key).expire(key, PACED_TRIES_TTL_S).execute()


async def failed_tries(redis: Any, job_id: str, job_try: int) -> int:
    """arq's ``job_try`` less the tries that only waited for the send rate."""
    try:
        paced = int(await redis.get(paced_tries_key(job_id)) or 0)
    except Exception:  # Redis is the queue too: without it nothing runs anyway
        paced = 0
    return max(job_try - paced, 1)
