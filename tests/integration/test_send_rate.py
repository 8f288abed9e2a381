"""The send rate per sender number (bot/send_rate.py) on a real Redis: GCRA kept over time, shared by
two limiters (two workers), replies never wait but count, far slots are held instead of slept."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from bot.send_rate import SendRate
from tests.conftest import REDIS_BASE

SENDER = "+15005550006"


@pytest.fixture
async def redis(redis_db: int) -> AsyncIterator[Redis]:
    client = Redis.from_url(f"{REDIS_BASE}/{redis_db}")
    yield client
    await client.aclose()


def limiter(redis: Redis, *, per_s: float, burst: int = 1, max_sleep_s: float = 10.0) -> SendRate:
    return SendRate(redis, per_s={"sms": per_s, "whatsapp": per_s}, burst=burst, max_sleep_s=max_sleep_s)


async def send_when_allowed(rate: SendRate, row_id: int, sent: list[float]) -> None:
    slot = await rate.take(SENDER, channel="sms", proactive=True, row_id=row_id)
    assert not slot.held
    await asyncio.sleep(slot.wait_s)
    sent.append(time.monotonic())


async def test_proactive_sends_keep_to_the_rate(redis: Redis) -> None:
    rate = limiter(redis, per_s=50)
    sent: list[float] = []
    await asyncio.gather(*(send_when_allowed(rate, row_id, sent) for row_id in range(40)))
    span = max(sent) - min(sent)
    assert span == pytest.approx(39 / 50, abs=0.08)  # unpaced, 40 sends take a few milliseconds
    sent.sort()  # evenly, not in bursts: no 0.2 s holds more than its 10 sends (and the loop's jitter)
    assert max(sum(1 for t in sent if start <= t < start + 0.2) for start in sent) <= 12


async def test_two_workers_share_one_rate(redis_db: int) -> None:
    first, second = Redis.from_url(f"{REDIS_BASE}/{redis_db}"), Redis.from_url(f"{REDIS_BASE}/{redis_db}")
    try:
        rates = [limiter(first, per_s=50), limiter(second, per_s=50)]
        sent: list[float] = []
        await asyncio.gather(*(send_when_allowed(rates[n % 2], n, sent) for n in range(40)))
        assert max(sent) - min(sent) == pytest.approx(39 / 50, abs=0.08)
    finally:
        await first.aclose()
        await second.aclose()


async def test_each_sender_has_its_own_rate(redis: Redis) -> None:
    rate = limiter(redis, per_s=2)
    await rate.take(SENDER, channel="sms", proactive=True, row_id=1)
    other = await rate.take("whatsapp:+14155238886", channel="whatsapp", proactive=True, row_id=2)
    assert other.wait_s == 0


async def test_a_reply_never_waits_but_takes_its_slot(redis: Redis) -> None:
    rate = limiter(redis, per_s=10)
    for row_id in range(5):  # a backlog: the next proactive slot is 0.5 s away
        await rate.take(SENDER, channel="sms", proactive=True, row_id=row_id)
    reply = await rate.take(SENDER, channel="sms", proactive=False, row_id=100)
    assert reply == type(reply)(wait_s=0.0, held=False)
    behind = await rate.take(SENDER, channel="sms", proactive=True, row_id=6)
    assert behind.wait_s == pytest.approx(0.6, abs=0.03)  # 0.5 without the reply's slot


async def test_the_burst_goes_at_once_then_the_rate(redis: Redis) -> None:
    rate = limiter(redis, per_s=10, burst=3)
    waits = [(await rate.take(SENDER, channel="sms", proactive=True, row_id=n)).wait_s for n in range(4)]
    assert waits[:3] == [0.0, 0.0, 0.0]
    assert waits[3] == pytest.approx(0.1, abs=0.03)


async def test_a_segmented_sms_takes_a_slot_per_segment(redis: Redis) -> None:
    rate = limiter(redis, per_s=10)
    await rate.take(SENDER, channel="sms", proactive=True, row_id=1, cost=3)
    after = await rate.take(SENDER, channel="sms", proactive=True, row_id=2)
    assert after.wait_s == pytest.approx(0.3, abs=0.03)


async def test_a_far_slot_is_held_for_its_row_not_slept(redis: Redis) -> None:
    rate = limiter(redis, per_s=10, max_sleep_s=0.25)
    waits = [await rate.take(SENDER, channel="sms", proactive=True, row_id=n) for n in range(6)]
    assert [slot.held for slot in waits] == [False, False, False, True, True, True]
    again = await rate.take(SENDER, channel="sms", proactive=True, row_id=5)  # the job came back early
    assert again.held and again.wait_s == pytest.approx(0.5, abs=0.03)
    new = await rate.take(SENDER, channel="sms", proactive=True, row_id=6)
    assert new.wait_s == pytest.approx(0.6, abs=0.03)  # row 5 coming back took no second slot
    await asyncio.sleep(0.3)
    due = await rate.take(SENDER, channel="sms", proactive=True, row_id=5)
    assert not due.held and due.wait_s == pytest.approx(0.2, abs=0.04)
    assert not await redis.exists(f"famibot:send-rate:{SENDER}:held:5")  # taken: gone


async def test_a_reply_pushes_the_held_slots_back(redis: Redis) -> None:
    rate = limiter(redis, per_s=10, max_sleep_s=0.05)
    for row_id in range(4):
        await rate.take(SENDER, channel="sms", proactive=True, row_id=row_id)
    await rate.take(SENDER, channel="sms", proactive=False, row_id=99)
    held = await rate.take(SENDER, channel="sms", proactive=True, row_id=3)
    assert held.held and held.wait_s == pytest.approx(0.4, abs=0.03)  # its slot was 0.3 s away
