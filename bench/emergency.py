"""The emergency lane on a simulated day: reserved fraud agents against none (issue 5).

Run: ``.venv/bin/python bench/emergency.py`` (``--seed N --staff N --reserve N --hours N``).

A discrete-event simulation of one day. Arrivals are Poisson per channel with an intraday
profile: chat and phone 08:00-20:00, e-mail around the clock (more by day), emergencies around
the clock (``--emergencies`` per hour, more by day) with a one-hour fraud wave at 10x the usual
emergency volume. Handle times are lognormal: chat 8 min, call 6 min, e-mail 5 min, emergency
12 min (means). The floor is the demo's (``demo/people.py``): its retail agents work 08:00-20:00,
its fraud-skilled agents (the lane; ``--staff`` changes how many) work around the clock, all
with the demo's languages, skills and capacities. At every event (an arrival, a finished
contact) the REAL routing decides: ``domain.routing.route`` with the real ``RoutingPolicy``.

The same arrivals and handle times are replayed for ``reserved_emergency_agents = 0`` and for
``--reserve`` (both with the policy's default hold for waiting emergencies), then for reserve
0..3 with and without the hold; printed: emergencies, the share reaching a human within 10
minutes, time to human p50/p95/max, the normal work's service level (chat and calls answered
within 5 minutes, e-mail within 24 hours) and what reservation costs it. Goal (issue 5):
>= 99 % of emergencies reach a human within 10 minutes with reservation at the demo's
staffing. When it is not met, a table over the lane's staffing shows what would meet it.

The day is followed by a quiet drain (no arrivals) until the work is done, so e-mail that came
late in the day is answered and judged against its 24 hours.
"""

from __future__ import annotations

import argparse
import heapq
import math
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from klantenservice.demo.people import AGENTS, AgentSpec
from klantenservice.domain.routing import AgentSnapshot, RoutingPolicy, WorkItem, route
from klantenservice.domain.vocabulary import AgentId, CaseId, Channel, Presence, Priority, QueueId

START = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # a Monday
GENERAL, EMERGENCY_QUEUE = QueueId(1), QueueId(2)
FRAUD = "fraud"
GOAL = 0.99
PROMISE = timedelta(minutes=10)
HANDLE_MINUTES = {Channel.CHAT: 8.0, Channel.PHONE: 6.0, Channel.EMAIL: 5.0}
EMERGENCY_MINUTES = 12.0
HANDLE_SIGMA = 0.6  # lognormal spread: a few long contacts, as in real handle-time data
# Emergencies come in by phone (IVR option, emergency number), chat and the SOS form.
EMERGENCY_CHANNELS = ((Channel.PHONE, 0.5), (Channel.CHAT, 0.3), (Channel.WEB_FORM, 0.2))
NORMAL_TARGET = {Channel.CHAT: timedelta(minutes=5), Channel.PHONE: timedelta(minutes=5)}
EMAIL_TARGET = timedelta(hours=24)
DAY_HOURS = range(8, 20)
# Arrivals per day and the share of each hour (office hours peak mid-morning and after lunch).
DAILY = {Channel.CHAT: 480, Channel.PHONE: 420, Channel.EMAIL: 600}
OFFICE = [0] * 8 + [6, 11, 12, 10, 8, 9, 10, 10, 8, 6, 5, 5] + [0] * 4
ALL_DAY = [1, 1, 1, 1, 1, 2, 3, 5, 7, 8, 8, 7, 6, 7, 7, 6, 6, 5, 5, 5, 4, 3, 2, 1]


@dataclass(frozen=True, slots=True)
class Arrival:
    case_id: CaseId
    at: datetime
    channel: Channel
    emergency: bool
    language: str
    handle: timedelta


@dataclass(frozen=True, slots=True)
class Outcome:
    """Who waited how long on one simulated day, for one reservation setting."""

    emergency_waits: list[timedelta]  # per emergency; unserved ones wait until the end
    normal_met: dict[Channel, tuple[int, int]]  # channel -> (within target, all)
    normal_waits: list[timedelta]

    def within(self) -> float:
        waits = self.emergency_waits
        return sum(w <= PROMISE for w in waits) / len(waits) if waits else 1.0

    @classmethod
    def of_days(cls, days: Sequence[Outcome]) -> Outcome:
        met: dict[Channel, tuple[int, int]] = {}
        for day in days:
            for channel, (hits, total) in day.normal_met.items():
                before = met.get(channel, (0, 0))
                met[channel] = (before[0] + hits, before[1] + total)
        emergency = [w for day in days for w in day.emergency_waits]
        return cls(emergency, met, [w for day in days for w in day.normal_waits])

    def service_level(self, channels: Sequence[Channel]) -> float:
        met = sum(self.normal_met.get(c, (0, 0))[0] for c in channels)
        total = sum(self.normal_met.get(c, (0, 0))[1] for c in channels)
        return met / total if total else 1.0


# --- the day ----------------------------------------------------------------------------------


def handle_time(rng: random.Random, mean_minutes: float) -> timedelta:
    mu = math.log(mean_minutes) - HANDLE_SIGMA**2 / 2  # so that the mean is mean_minutes
    return timedelta(minutes=rng.lognormvariate(mu, HANDLE_SIGMA))


def poisson_times(rng: random.Random, per_hour: Sequence[float], hours: int) -> list[datetime]:
    """A non-homogeneous Poisson process, piecewise constant per hour of the day."""
    times: list[datetime] = []
    for hour in range(hours):
        rate = per_hour[hour % 24]
        t = 0.0
        while rate > 0:
            t += rng.expovariate(rate)
            if t >= 1.0:
                break
            times.append(START + timedelta(hours=hour + t))
    return times


def arrivals(rng: random.Random, hours: int, per_hour: float, wave_hour: int) -> list[Arrival]:
    streams: list[tuple[datetime, Channel, bool]] = []
    for channel, daily in DAILY.items():
        profile = OFFICE if channel is not Channel.EMAIL else ALL_DAY
        rates = [daily * share / sum(profile) for share in profile]
        streams.extend((at, channel, False) for at in poisson_times(rng, rates, hours))
    # emergencies: twice as many by day (07-22h) as at night, averaging ``per_hour``; the wave
    # hour brings 10x the usual volume of that hour
    shape = [0.6 if hour < 7 or hour >= 22 else 1.2 for hour in range(24)]
    rates = [per_hour * s * 24 / sum(shape) for s in shape]
    rates[wave_hour % 24] *= 10
    for at in poisson_times(rng, rates, hours):
        (picked,) = rng.choices(
            [c for c, _ in EMERGENCY_CHANNELS], [w for _, w in EMERGENCY_CHANNELS]
        )
        streams.append((at, picked, True))
    streams.sort(key=lambda s: s[0])
    made = []
    for n, (at, channel, emergency) in enumerate(streams, start=1):
        mean = EMERGENCY_MINUTES if emergency else HANDLE_MINUTES[channel]
        language = "nl" if rng.random() < 0.8 else "en"
        made.append(Arrival(CaseId(n), at, channel, emergency, language, handle_time(rng, mean)))
    return made


def floor(staff: int | None) -> list[tuple[AgentSnapshot, bool]]:
    """The demo's agents (snapshot, works nights); ``staff`` fraud agents instead of the demo's."""
    retail = [spec for spec in AGENTS if FRAUD not in spec.skills]
    lane = [spec for spec in AGENTS if FRAUD in spec.skills]
    if staff is not None:
        lane = [lane[n % len(lane)] for n in range(staff)]
    agents = []
    for n, spec in enumerate([*retail, *lane], start=1):
        agents.append((snapshot(AgentId(n), spec), FRAUD in spec.skills))
    return agents


def snapshot(agent_id: AgentId, spec: AgentSpec) -> AgentSnapshot:
    fraud = FRAUD in spec.skills
    capacity = dict(spec.capacity)
    capacity.setdefault(Channel.WEB_FORM, capacity.get(Channel.EMAIL, 5))
    return AgentSnapshot(
        agent_id=agent_id,
        name=f"{spec.name} #{agent_id}",
        presence=Presence.AVAILABLE,
        languages=spec.languages,
        skills=spec.skills,
        queue_ids=frozenset({GENERAL, EMERGENCY_QUEUE} if fraud else {GENERAL}),
        capacity=capacity,
    )


# --- the simulation ---------------------------------------------------------------------------


def simulate(
    day: list[Arrival], staff: list[tuple[AgentSnapshot, bool]], reserve: int, hold: bool
) -> Outcome:
    """Replay ``day`` on ``staff``, routing with the real ``route`` at every event."""
    policy = RoutingPolicy(reserved_emergency_agents=reserve, hold_for_waiting_emergencies=hold)
    by_id = {a.case_id: a for a in day}
    loads: dict[AgentId, dict[Channel, int]] = {agent.agent_id: {} for agent, _ in staff}
    last: dict[AgentId, datetime | None] = {agent.agent_id: None for agent, _ in staff}
    waiting: dict[CaseId, WorkItem] = {}
    done: list[tuple[datetime, int, AgentId, Channel]] = []  # finish time, tie-break, agent
    waits: dict[CaseId, timedelta] = {}
    pending = list(day)
    pending.reverse()  # pop() from the end: earliest first
    now, never = START, datetime.max.replace(tzinfo=UTC)
    while pending or waiting or done:
        shift = next_shift(now) if waiting else None  # the day shift may take what waits
        if not pending and not done and shift is None:  # nobody left who could take it
            break
        now = min(
            pending[-1].at if pending else never, done[0][0] if done else never, shift or never
        )
        while done and done[0][0] <= now:
            _, _, agent_id, channel = heapq.heappop(done)
            loads[agent_id][channel] -= 1
        while pending and pending[-1].at <= now:
            arrival = pending.pop()
            waiting[arrival.case_id] = work_item(arrival)
        day_shift = now.hour in DAY_HOURS and now < START + timedelta(days=1)
        agents = [
            replace(
                agent,
                presence=Presence.AVAILABLE if day_shift or nights else Presence.OFFLINE,
                load={c: n for c, n in loads[agent.agent_id].items() if n},
                last_assigned_at=last[agent.agent_id],
            )
            for agent, nights in staff
        ]
        decision = route(list(waiting.values()), agents, policy, now)
        for assignment in decision.assignments:
            item = waiting.pop(assignment.case_id)
            arrival = by_id[item.case_id]
            agent_load = loads[assignment.agent_id]
            agent_load[item.channel] = agent_load.get(item.channel, 0) + 1
            last[assignment.agent_id] = now
            waits[item.case_id] = now - arrival.at
            finish = now + arrival.handle
            heapq.heappush(done, (finish, int(item.case_id), assignment.agent_id, item.channel))
    end = now
    return outcome(day, waits, end)


def next_shift(now: datetime) -> datetime | None:
    """The next start or end of the day shift (on the simulated day only)."""
    for hour in (DAY_HOURS.start, DAY_HOURS.stop):
        at = START + timedelta(hours=hour)
        if at > now:
            return at
    return None


def run(
    days: Sequence[list[Arrival]], staff: int | None, reserve: int, hold: bool = True
) -> Outcome:
    agents = floor(staff)
    return Outcome.of_days([simulate(day, agents, reserve, hold) for day in days])


def work_item(arrival: Arrival) -> WorkItem:
    return WorkItem(
        case_id=arrival.case_id,
        queue_id=EMERGENCY_QUEUE if arrival.emergency else GENERAL,
        channel=arrival.channel,
        priority=Priority.EMERGENCY if arrival.emergency else Priority.NORMAL,
        language=arrival.language,
        required_skills=frozenset({FRAUD}) if arrival.emergency else frozenset(),
        waiting_since=arrival.at,
    )


def outcome(day: list[Arrival], waits: dict[CaseId, timedelta], end: datetime) -> Outcome:
    emergency_waits: list[timedelta] = []
    normal_waits: list[timedelta] = []
    met: dict[Channel, tuple[int, int]] = {}
    for arrival in day:
        wait = waits.get(arrival.case_id, end - arrival.at)
        if arrival.emergency:
            emergency_waits.append(wait)
            continue
        normal_waits.append(wait)
        target = NORMAL_TARGET.get(arrival.channel, EMAIL_TARGET)
        hits, total = met.get(arrival.channel, (0, 0))
        met[arrival.channel] = (hits + (wait <= target), total + 1)
    return Outcome(emergency_waits, met, normal_waits)


# --- reporting --------------------------------------------------------------------------------


def quantile(waits: Sequence[timedelta], q: float) -> timedelta:
    ordered = sorted(waits)
    if not ordered:
        return timedelta(0)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]


def minutes(span: timedelta) -> str:
    return f"{span.total_seconds() / 60:.1f} min"


def share(x: float) -> str:
    return f"{100 * x:.1f} %"


def compare(none: Outcome, reserved: Outcome, reserve: int) -> None:
    live = (Channel.CHAT, Channel.PHONE)
    rows = [
        ("emergencies", str(len(none.emergency_waits)), str(len(reserved.emergency_waits))),
        ("within 10 min", share(none.within()), share(reserved.within())),
    ]
    for label, q in (("time to human p50", 0.5), ("p95", 0.95), ("max", 1.0)):
        rows.append(
            (
                label,
                minutes(quantile(none.emergency_waits, q)),
                minutes(quantile(reserved.emergency_waits, q)),
            )
        )
    rows += [
        (
            "chat+calls within 5 min",
            share(none.service_level(live)),
            share(reserved.service_level(live)),
        ),
        (
            "e-mail within 24 h",
            share(none.service_level([Channel.EMAIL])),
            share(reserved.service_level([Channel.EMAIL])),
        ),
        (
            "normal work p95 wait",
            minutes(quantile(none.normal_waits, 0.95)),
            minutes(quantile(reserved.normal_waits, 0.95)),
        ),
    ]
    print(f"{'':26}{'reserve 0':>14}{f'reserve {reserve}':>14}")
    for label, a, b in rows:
        print(f"{label:26}{a:>14}{b:>14}")
    late_none = 1 - none.within()
    late_reserved = 1 - reserved.within()
    ratio = f"{late_none / late_reserved:.2f}" if late_reserved else "no late ones with reserve"
    cost = reserved.service_level(live) - none.service_level(live)
    print(
        f"late emergencies {share(late_none)} -> {share(late_reserved)} "
        f"(ratio reserve 0 / reserve {reserve}: {ratio}); "
        f"chat+calls within 5 min {100 * cost:+.1f} points with reservation"
    )


def table(
    days: Sequence[list[Arrival]],
    staff_counts: Sequence[int | None],
    reserves: Sequence[int],
    holds: Sequence[bool] = (True,),
) -> dict[tuple[int, int, bool], Outcome]:
    """One row per (fraud agents, reserve, hold for waiting emergencies)."""
    results = {}
    print(
        f"{'fraud agents':>12} {'reserve':>7} {'hold':>5} {'within 10 min':>14} {'p95':>10} "
        f"{'chat+calls 5 min':>17}"
    )
    for staff in staff_counts:
        lane = lane_size(staff)
        for reserve in reserves:
            for hold in holds:
                result = results[(lane, reserve, hold)] = run(days, staff, reserve, hold)
                live = result.service_level((Channel.CHAT, Channel.PHONE))
                print(
                    f"{lane:>12} {reserve:>7} {'on' if hold else 'off':>5} "
                    f"{share(result.within()):>14} "
                    f"{minutes(quantile(result.emergency_waits, 0.95)):>10} {share(live):>17}"
                )
    return results


def lane_size(staff: int | None) -> int:
    return sum(nights for _, nights in floor(staff))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--staff", type=int, default=None, help="fraud agents (default: demo's)")
    parser.add_argument("--reserve", type=int, default=1, help="reserved_emergency_agents")
    parser.add_argument("--emergencies", type=float, default=1.0, help="per hour, on average")
    parser.add_argument("--wave-hour", type=int, default=11, help="the fraud wave's hour")
    parser.add_argument("--days", type=int, default=5, help="simulated days (seed, seed+1, ...)")
    parser.add_argument("--hours", type=int, default=24, help="length of a day (smoke tests)")
    args = parser.parse_args()
    started = time.perf_counter()
    days = [
        arrivals(random.Random(args.seed + n), args.hours, args.emergencies, args.wave_hour)
        for n in range(args.days)
    ]
    lane = lane_size(args.staff)
    contacts = [a for day in days for a in day]
    counts = {c.value: sum(a.channel is c and not a.emergency for a in contacts) for c in DAILY}
    print(
        f"seed {args.seed}, {args.days} day(s) of {args.hours} h: {len(contacts)} contacts "
        f"{counts}, {sum(a.emergency for a in contacts)} emergencies (a 10x wave at "
        f"{args.wave_hour:02d}:00 each day); floor: {len(floor(args.staff)) - lane} retail "
        f"agents 08-20h, {lane} fraud agents 24/7"
    )
    none = run(days, args.staff, 0)
    reserved = run(days, args.staff, args.reserve)
    compare(none, reserved, args.reserve)
    print("\nreservation at this staffing, with and without the hold for waiting emergencies:")
    table(days, [args.staff], range(4), (False, True))
    met = reserved.within() >= GOAL
    verdict = "met" if met else "NOT met"
    print(f"\ngoal >= 99 % within 10 min, reserve {args.reserve}, {lane} fraud agents: {verdict}")
    if not met:
        print("what staffing meets it (same days):")
        for staff in range(lane + 1, lane + 6):
            result = table(days, [staff], sorted({0, args.reserve}))[(staff, args.reserve, True)]
            if result.within() >= GOAL:
                print(f"first staffing meeting the goal: {staff} fraud agents")
                break
        else:
            print("not met up to that staffing")
    print(f"ran in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
