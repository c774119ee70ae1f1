"""Labelled anomalies the sandbox can inject (``Sandbox(anomalies=True)``, ``twilio_sandbox --anomalies``).

Off by default: the sandbox's data stays exactly as documented unless asked. On, a plan drawn from the
seed (so the same seed gives the same plan for the same "today") multiplies the volume of one account's
usage-driven product on chosen days:

* spikes of x1.3, x1.5, x2, x3 and x5 (a runaway voice loop, SMS pumping), each on a single day;
* drops to x0.5, x0.2 and x0 (a product that stops: a broken integration), each on a single day;
* legitimate level shifts (x1.5, x0.6, x1.4 from a day on: a new phone-number block, traffic moved
  elsewhere): NOT anomalies, listed so a detector's false alarms on them can be counted.

Injections fall on the ``WINDOW`` days before today, on distinct series (account x category) so they
never overlap; derived products (carrier fees, pumping protection: counts of outbound SMS) move with
their sources, as they would at Twilio. ``Sandbox.injected_anomalies()`` and the
``/sandbox/anomalies.json`` endpoint give the ground truth. Standard library only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from dataclasses import asdict, dataclass

from .data import PRODUCTS

WINDOW = 120  # days before today that receive injections
SPIKES = (1.3, 1.5, 2.0, 3.0, 5.0)
DROPS = (0.5, 0.2, 0.0)
LEVEL_SHIFTS = (1.5, 0.6, 1.4)
PER_SIZE = 4  # injections of each spike and drop size
MARGIN = 21  # days kept free of injections at the window's start (the detector's history)
SPACING = 10  # days at least between two injections on one series
BIG = 20.0  # USD a day: a "big" series, where a +50% change crosses the default $20 floor
BIG_SHARE = 0.8  # share of the injections that land on big series
NOISE_SIGMA = 0.06  # the daily noise of the labelled world (the default sandbox's is 0.12, see below)


@dataclass(frozen=True)
class Injection:
    role: str
    category: str
    day: dt.date
    factor: float
    kind: str  # "spike" | "drop" | "level_shift"

    def as_dict(self) -> dict:
        out = asdict(self)
        out["day"] = self.day.isoformat()
        return out


def _rng(seed, today: dt.date) -> random.Random:
    digest = hashlib.sha256(f"anomalies|{seed}|{today.isoformat()}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def daily_usd(product, role: str) -> float:
    """A product's typical daily cost for an account (before weekday shape, growth and noise)."""
    return float(product.unit_price) * product.base.get(role, 0) * product.usage_per_count


def candidate_series(roles) -> list[tuple[str, str, float]]:
    """Every (account role, volume product, typical daily USD) with usage: where an injection can land."""
    return [(role, p.category, daily_usd(p, role))
            for p in PRODUCTS if p.kind == "volume" for role in roles if p.base.get(role)]


def _free_day(rng, taken: list[dt.date], first: dt.date, span: int) -> dt.date | None:
    for _ in range(50):
        day = first + dt.timedelta(days=rng.randrange(span))
        if all(abs((day - other).days) > SPACING for other in taken):
            return day
    return None


def plan(seed, today: dt.date, roles) -> tuple[Injection, ...]:
    """The injections of one seed and today (deterministic). Most land on series of at least ``BIG`` a day
    (where a change can cross the $20 floor), the rest anywhere; injections on one series are more than
    ``SPACING`` days apart, and a series with a level shift gets nothing else."""
    rng = _rng(seed, today)
    series = candidate_series(roles)
    big = [(r, c) for r, c, usd in series if usd >= BIG]
    everything = [(r, c) for r, c, _ in series]
    rng.shuffle(big)
    shifted = {big.pop() for _ in LEVEL_SHIFTS}
    first = today - dt.timedelta(days=WINDOW - MARGIN)
    span = WINDOW - MARGIN - 1
    out = [Injection(role, category, first + dt.timedelta(days=rng.randrange(span - 30)), factor, "level_shift")
           for factor, (role, category) in zip(LEVEL_SHIFTS, sorted(shifted), strict=True)]
    kinds = [("spike", f) for f in SPIKES for _ in range(PER_SIZE)]
    kinds += [("drop", f) for f in DROPS for _ in range(PER_SIZE)]
    taken: dict[tuple[str, str], list[dt.date]] = {}
    for kind, factor in kinds:
        pool = big if rng.random() < BIG_SHARE else [s for s in everything if s not in shifted]
        role, category = pool[rng.randrange(len(pool))]
        day = _free_day(rng, taken.setdefault((role, category), []), first, span)
        if day is not None:
            taken[(role, category)].append(day)
            out.append(Injection(role, category, day, factor, kind))
    return tuple(sorted(out, key=lambda i: (i.day, i.role, i.category)))


def factor_on(injections, role: str, category: str, day: dt.date) -> float:
    """The volume multiplier of one account's product on one day (1.0 when nothing is injected)."""
    factor = 1.0
    for injection in injections:
        if injection.role != role or injection.category != category:
            continue
        if injection.day == day or (injection.kind == "level_shift" and day >= injection.day):
            factor *= injection.factor
    return factor
