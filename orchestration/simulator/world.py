"""The world: the population plus everything that carries over from one day to the next.

`World.step(d)` simulates day `d` and returns that day's export records per source and the
truth behind them. Everything that happens later (a delivery, a return, a follow-up call)
is scheduled into `pending` queues keyed by day, and queues are dropped once their day has
passed, so memory does not grow with the number of days.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from orchestration.simulator import calendar
from orchestration.simulator.config import SimConfig
from orchestration.simulator.frame import Frame
from orchestration.simulator.population import DEVICES, Population, build_population, load_reference
from orchestration.simulator.timeutil import local_midnight_us


@dataclass
class Catalogue:
    sku: np.ndarray
    name: np.ndarray
    category: np.ndarray
    price: np.ndarray  # euros
    store_id: np.ndarray

    @staticmethod
    def load() -> Catalogue:
        stores, products = load_reference()
        return Catalogue(
            sku=np.array([p["sku"] for p in products]),
            name=np.array([p["product_name"] for p in products]),
            category=np.array([p["category"] for p in products]),
            price=np.array([float(p["price"]) for p in products]),
            store_id=np.array([s["store_id"] for s in stores]),
        )


@dataclass
class DayContext:
    d: int  # day index, 0 = start
    day: date
    midnight_us: int  # 00:00 Amsterdam, as UTC microseconds
    seed: int

    def rng(self, stream: int) -> np.random.Generator:
        """An independent random stream per (day, purpose): results do not depend on order."""
        return np.random.default_rng([self.seed, stream, self.d])

    @property
    def season(self) -> float:
        return calendar.season_factor(self.day)

    @property
    def weekday(self) -> int:
        return self.day.weekday()


@dataclass
class Counters:
    order: int = 100_001
    return_order: int = 500_001
    ticket: int = 700_001
    ledger_entry: int = 1
    email_event: int = 1
    journey: int = 1

    def take(self, name: str, count: int) -> np.ndarray:
        first = getattr(self, name)
        setattr(self, name, first + count)
        return np.arange(first, first + count, dtype=np.int64)


@dataclass
class DeviceState:
    """Per (cookie owner, device slot): the current cookie and what GA4 remembers of it."""

    generation: np.ndarray
    first_touch_us: np.ndarray
    first_source: np.ndarray  # traffic-source code of the cookie's first session
    first_campaign: np.ndarray
    logged_in_as: np.ndarray  # person index, -1 when logged out
    last_end_us: np.ndarray
    session_number: np.ndarray

    @staticmethod
    def new(n: int) -> DeviceState:
        shape = (n, DEVICES)
        return DeviceState(
            generation=np.full(shape, -(10**9), dtype=np.int64),
            first_touch_us=np.zeros(shape, dtype=np.int64),
            first_source=np.zeros(shape, dtype=np.int64),
            first_campaign=np.full(shape, -1, dtype=np.int64),
            logged_in_as=np.full(shape, -1, dtype=np.int64),
            last_end_us=np.full(shape, -(10**18), dtype=np.int64),
            session_number=np.zeros(shape, dtype=np.int64),
        )


@dataclass
class CrmCache:
    """Rendered CRM lines per customer and the LastModifiedDate they show."""

    lines: np.ndarray  # object array of str, one per customer
    rendered_us: np.ndarray
    order: np.ndarray  # customers sorted by contact id


@dataclass
class World:
    cfg: SimConfig
    pop: Population
    cat: Catalogue
    counters: Counters = field(default_factory=Counters)
    pending: dict[str, dict[int, list[Frame]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )
    devices: DeviceState | None = None
    points: np.ndarray | None = None  # loyalty balance per person
    last_points_activity: np.ndarray | None = None  # day index
    last_purchase_day: np.ndarray | None = None
    unsubscribed_us: np.ndarray | None = None  # when the person unsubscribed (0 = never)
    today: int = 0  # the day being simulated
    crm_cache: CrmCache | None = None  # the export's lines, re-rendered only when changed

    @staticmethod
    def create(cfg: SimConfig) -> World:
        cat = Catalogue.load()
        pop = build_population(cfg, stores=len(cat.store_id))
        world = World(cfg=cfg, pop=pop, cat=cat)
        rng = np.random.default_rng([cfg.seed, 3])
        world.devices = DeviceState.new(pop.n)
        is_member_before = pop.member_day < 0
        world.points = np.where(is_member_before, rng.gamma(1.5, 400, pop.n).astype(np.int64), 0)
        # most members earned recently; about one in twenty has been idle for over a year
        world.last_points_activity = np.where(
            is_member_before, -rng.geometric(1 / 120, pop.n), -(10**6)
        )
        world.last_purchase_day = np.where(
            pop.first_active < 0, pop.first_active + rng.integers(0, 400, pop.n), -(10**6)
        )
        world.last_purchase_day = np.minimum(world.last_purchase_day, -1)
        world.unsubscribed_us = np.zeros(pop.n, dtype=np.int64)
        return world

    def context(self, d: int) -> DayContext:
        day = self.cfg.start + timedelta(days=d)
        return DayContext(d=d, day=day, midnight_us=local_midnight_us(day), seed=self.cfg.seed)

    # -- scheduling -------------------------------------------------------------------------
    def schedule(self, queue: str, days: np.ndarray, frame: Frame) -> None:
        """Put each row of `frame` on `queue` for the day in `days` (same length)."""
        if not len(frame):
            return
        if int(np.min(days)) < self.today:
            raise ValueError(f"{queue}: cannot schedule before day {self.today}")
        for day in np.unique(days):
            self.pending[queue][int(day)].append(frame.take(np.flatnonzero(days == day)))

    def due(self, queue: str, d: int) -> Frame:
        """Everything scheduled on `queue` for day d (and nothing is kept afterwards)."""
        frames = self.pending[queue].pop(d, [])
        return Frame.concat(frames) if frames else Frame()
