"""The overall limit counts arrivals, not departures: however uneven the way to the server, no window
of one period holds more than the limit."""

import asyncio
import random
import time

from bot.adapters.telegram_rate import ArrivalWindow


async def test_no_period_holds_more_arrivals_than_the_limit_however_uneven_the_way_there():
    rng = random.Random(7)
    gate = ArrivalWindow(limit=5, period=0.2)
    arrivals: list[float] = []

    async def request() -> str:
        # the way there takes 0-60 ms (a new connection, a busy loop), the answer comes back at once
        await asyncio.sleep(rng.uniform(0, 0.06))
        arrivals.append(time.monotonic())
        return "ok"

    started = time.monotonic()
    got = await asyncio.gather(*(gate.run(request) for _ in range(40)))
    took = time.monotonic() - started
    assert got == ["ok"] * 40
    arrivals.sort()
    most = max(sum(1 for b in arrivals[i:] if b - a < 0.2) for i, a in enumerate(arrivals))
    assert most <= 5
    assert took < 40 / 5 * 0.2 + 1.0  # and it keeps going: about 5 per (period + the way there)


async def test_a_request_waits_for_one_in_flight_when_all_the_room_is_in_flight():
    gate = ArrivalWindow(limit=2, period=0.05)
    release = asyncio.Event()
    order: list[str] = []

    async def slow(name: str) -> None:
        order.append(f"{name} left")
        await release.wait()

    async def quick() -> None:
        order.append("third left")

    first = asyncio.create_task(gate.run(lambda: slow("first")))
    second = asyncio.create_task(gate.run(lambda: slow("second")))
    third = asyncio.create_task(gate.run(quick))
    await asyncio.sleep(0.15)  # three periods: the room is held by the two in flight, not by time
    assert order == ["first left", "second left"] and not third.done()
    release.set()
    await asyncio.wait_for(asyncio.gather(first, second, third), 2)
    assert order[-1] == "third left"
