"""`anchang demo`: a week of a sales office replayed through the real `Store`, then today's board.

Everything is written through the service API with a `ManualClock`, in time order, from a seeded random
generator: the same story every run (only the dates move, the week always ends today). The week ends at
the moment the demo is made: earlier days are full, today's only up to now, so nothing in the journal
lies ahead of the real clock and a station's first write after `anchang demo` is never refused for the
clock (db/clock.py refuses a clock more than two minutes behind the journal's last entry). The demo goes
into `demo.sqlite3` in the data directory, replaced on every run, never into the site's database.
"""

from __future__ import annotations

import heapq
import itertools
import os
import random
import time as timer
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from db import migrate
from db.config import data_dir
from db.database import read_session
from db.keys import Keyring
from db.models import JournalEntry
from db.personal import InvalidPhone, normalize_phone
from judge.reasons import EngineError
from judge.rules import RuleSet
from operations.board import build_board, print_board
from operations.common import EXIT_OK, AdminError, open_engine, shown_url
from operations.setup import ensure_keys
from service import serving
from service.desk import Desk
from service.store import ManualClock, Store
from service.users import User

Action = Callable[[], object]  # a timed step of the story; what it returns is not used

SEED = 20240618
CONSULTANTS = ("王丽", "李强", "张敏", "刘洋", "陈静", "赵磊")
NATURAL_SOURCES = ("自然来访", "线上平台", "老业主推荐")  # a walk-in's answers, commonest first
CHANNELS = {"贝壳": ("周杰", "吴芳"), "链家": ("郑伟", "孙丽"), "中原": ("钱明", "冯涛")}
CHEATING_AGENT = ("中原", "冯涛")  # reports customers at the door (截客); blacklisted mid-week
MANAGER = "案场经理"
RECEPTIONIST = "前台小陈"  # receives the visitors (接待开始/结束); a demo login too
WEEK_DAYS = 7
OFFICE_CLOSES = 18  # the tours' today ends here (their clock is their own, not the real one)
HISTORY_DAYS = 12  # quieter days before the week: their customers lapse to the pool during it
MOBILE_PREFIXES = ("135", "136", "137", "138", "139", "150", "151", "152", "158", "159", "186", "187", "188", "189")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚华建国志红文斌婷雪慧鹏飞宇欣怡浩然子涵梓萱"


@dataclass
class Person:
    phone: str
    name: str
    visits: int = 0
    pledged: bool = False
    deal: bool = False
    first_day: date | None = None
    last_visit_day: date | None = None


class DemoWeek:
    """Plans each day as timed actions and runs them in time order on the store's manual clock."""

    def __init__(self, store: Store, clock: ManualClock, today: date, zone: ZoneInfo, *,
                 until: datetime | None = None) -> None:
        self.store, self.clock, self.zone = store, clock, zone
        self.rng = random.Random(SEED)
        self.today = today
        # the moment the demo is made: nothing is stamped after it. None (the tours, on a clock of their
        # own that never meets a real one): today up to the end of office hours
        self.until = until if until is not None else self.at(today, OFFICE_CLOSES, 0)
        self.week_start = today - timedelta(days=WEEK_DAYS - 1)
        self.people: list[Person] = []
        self.phones: set[str] = set()
        self.by_customer: dict[int, Person] = {}
        self.queue: list[tuple[datetime, int, Action]] = []
        self.order = itertools.count()
        self.stay_rng = random.Random(SEED + 1)  # stays drawn apart: the week's story keeps its own draws
        self.source_rng = random.Random(SEED + 2)  # so are the sources visitors name
        self.reception = Desk(store, User(name=RECEPTIONIST, role="receptionist", consultant=None, active=True))
        self.on_duty: list[str] = []
        self.expected_tomorrow: list[tuple[Person, str, str]] = []
        self.refused = 0
        self.face_person = self.sighted = Person("", "")  # set on the days their stories start

    # ----------------------------------------------------------- scaffolding
    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), self.zone).astimezone(UTC)

    def during(self, day: date, start: int = 9 * 60 + 5, end: int = 17 * 60 + 45) -> datetime:
        minute = self.rng.randint(start, end)
        return self.at(day, minute // 60, minute % 60) + timedelta(seconds=self.rng.randint(0, 59))

    def later(self, delta: timedelta, action: Action) -> None:
        self.schedule(self.clock.at + delta, action)

    def schedule(self, when: datetime, action: Action) -> None:
        heapq.heappush(self.queue, (when, next(self.order), action))

    def run_until(self, end: datetime) -> None:
        while self.queue and self.queue[0][0] <= end:
            when, _, action = heapq.heappop(self.queue)
            self.clock.at = max(when, self.clock.at)
            try:
                action()
            except EngineError:
                self.refused += 1  # e.g. a release by someone who lost the customer meanwhile

    def new_person(self) -> Person:
        while True:
            phone = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if phone in self.phones:
                continue
            try:
                normalize_phone(phone)
            except InvalidPhone:
                continue
            self.phones.add(phone)
            given = "".join(self.rng.choice(GIVEN) for _ in range(self.rng.choice((1, 2))))
            person = Person(phone, self.rng.choice(SURNAMES) + given)
            self.people.append(person)
            return person

    def owner(self, person: Person) -> str | None:
        view = self.store.customer_view(person.phone, self.clock.at)
        return view.owner if view is not None and view.owner in CONSULTANTS else None

    # --------------------------------------------------------------- actions
    def visit(self, person: Person, *, channel: str = "natural", agent: str | None = None,
              consultant: str | None = None, face: str | None = None) -> Action:
        def act() -> None:
            result = self.store.register_visit(person.phone, consultant=consultant, channel=channel, agent=agent,
                                               name=person.name, face=face, source=self.source(channel))
            self.by_customer[result.outcome.customer or 0] = person
            person.visits += 1
            day = self.clock.at.astimezone(self.zone).date()
            person.first_day = person.first_day or day
            person.last_visit_day = day
            if result.assigned_to and day >= self.week_start:
                self.receive(result.seq, first=person.visits == 1)
            if person.visits >= 2 and not person.pledged and self.rng.random() < 0.3:
                self.later(timedelta(minutes=self.rng.randint(30, 70)), self.stage(person, "pledge"))
            elif person.pledged and not person.deal and self.rng.random() < 0.5:
                self.later(timedelta(minutes=self.rng.randint(40, 90)), self.stage(person, "subscribe"))
        return act

    def source(self, channel: str) -> str:
        """How the visitor says they heard of the project, as the kiosk asks it (service.reception's sources)."""
        if channel != "natural":
            return "渠道带访"
        return self.source_rng.choices(NATURAL_SOURCES, weights=(6, 3, 1))[0]

    def receive(self, visit_seq: int, first: bool) -> None:
        """接待开始 a few minutes after the check-in, 接待结束 when the visitor leaves: a first visit (sand
        table, show flat, prices) takes longer than a return. One in eight leaves before anyone receives
        them. The consultant is busy meanwhile, so the rotation passes them over; today's late visitors
        are still being received when the week ends."""
        rng = self.stay_rng
        if rng.random() < 0.125:
            return
        start = timedelta(minutes=rng.randint(1, 6))
        length = timedelta(minutes=rng.randint(35, 95) if first else rng.randint(15, 50), seconds=rng.randint(0, 59))
        self.later(start, lambda: serving.start_reception(self.reception, visit_seq))
        self.later(start + length, lambda: serving.end_reception(self.reception, visit_seq))

    def report(self, person: Person, channel: str, agent: str) -> Action:
        return lambda: self.store.record_report(channel, agent, person.phone, person.name)

    def stage(self, person: Person, stage: str, by: str | None = None) -> Action:
        def act() -> None:
            owner = self.owner(person)
            consultant = by or owner
            if consultant is None or (stage == "subscribe" and person.deal):
                return
            self.store.change_stage(person.phone, consultant, stage)
            person.pledged = person.pledged or stage == "pledge"
            person.deal = person.deal or stage == "subscribe"
        return act

    def follow_up(self, person: Person) -> Action:
        def act() -> None:
            owner = self.owner(person)
            if owner is not None:
                self.store.follow_up(person.phone, owner)
        return act

    def release(self, person: Person) -> Action:
        def act() -> None:
            owner = self.owner(person)
            if owner is not None and not person.deal and not person.pledged:
                self.store.release(person.phone, owner)
        return act

    def claim(self, consultant: str) -> Action:
        def act() -> None:
            pool = [self.by_customer[c] for c in self.store.site().pool(self.clock.at) if c in self.by_customer]
            if pool:
                self.store.claim(self.rng.choice(sorted(pool, key=lambda p: p.phone)).phone, consultant)
        return act

    def manager_rounds(self) -> None:
        """Morning rounds: yesterday's cases decided as recommended, warnings worked through."""
        site = self.store.site()
        cutoff = self.clock.at - timedelta(hours=20)
        for case in [c for c in site.cases.values() if c.status == "open" and c.at < cutoff]:
            if self.rng.random() < 0.6:
                self.store.decide_case(case.id, case.recommended, "核实登记记录，维持建议裁决", by=MANAGER)
        for warning in [w for w in site.warnings.values() if w.status == "open" and w.at < cutoff]:
            roll = self.rng.random()
            if roll < 0.3:
                self.store.update_warning(warning.id, "following", "顾问已电话回访", by=MANAGER)
            elif roll < 0.6:
                self.store.update_warning(warning.id, "resolved", "核实无异常", by=MANAGER)

    # ------------------------------------------------------------------ days
    def set_duty(self, day: date, index: int) -> None:
        resting = CONSULTANTS[index % len(CONSULTANTS)]
        on_duty = [c for c in CONSULTANTS if c != resting]
        self.rng.shuffle(on_duty)
        self.on_duty = on_duty
        self.schedule(self.at(day, 8, 50), lambda: self.store.set_duty(on_duty))

    def history_day(self, day: date, index: int) -> None:
        self.set_duty(day, index)
        for _ in range(self.rng.randint(4, 7)):
            self.schedule(self.during(day), self.visit(self.new_person()))
        for person in self.rng.sample(self.people, min(2, len(self.people))):
            self.schedule(self.during(day), self.follow_up(person))

    def week_day(self, day: date, index: int) -> None:
        rng = self.rng
        self.set_duty(day, index)
        self.schedule(self.at(day, 9, 10), self.manager_rounds)
        total = rng.randint(25, 40)
        slots = sorted(self.during(day) for _ in range(total))
        arrivals: list[Action] = []
        # channel-led visits reported yesterday (one in eight does not come: the report expires)
        for person, channel, agent in self.expected_tomorrow:
            if rng.random() < 0.88:
                arrivals.append(self.visit(person, channel=channel, agent=agent))
        self.expected_tomorrow = []
        returning = [p for p in self.people if p.visits and not p.deal and p.last_visit_day != day]
        for person in rng.sample(returning, min(len(returning), total // 4)):
            named = None
            if rng.random() < 0.2:  # reception sends them to whoever is free: a competing registration
                named = rng.choice(self.on_duty)
            arrivals.append(self.visit(person, consultant=named))
        while len(arrivals) < total:
            arrivals.append(self.visit(self.new_person()))
        rng.shuffle(arrivals)
        for when, arrival in zip(slots, arrivals, strict=False):
            self.schedule(when, arrival)
        self.plan_reports(day, index)
        self.plan_pipeline(day)
        self.plan_story(day, index)

    def plan_reports(self, day: date, index: int) -> None:
        """Reports for tomorrow's channel-led visits, a duplicate, and a late report on a walk-in."""
        rng = self.rng
        agents = [(c, a) for c, names in CHANNELS.items() for a in names if (c, a) != CHEATING_AGENT]
        for _ in range(rng.randint(6, 9)):  # the last day's stay pending: they are expected tomorrow
            person, (channel, agent) = self.new_person(), rng.choice(agents)
            self.schedule(self.during(day), self.report(person, channel, agent))
            self.expected_tomorrow.append((person, channel, agent))
        person, first_channel, _ = rng.choice(self.expected_tomorrow)
        rival = rng.choice([(c, a) for c, a in agents if c != first_channel])
        self.schedule(self.at(day, 17, 55), self.report(person, *rival))  # 重复报备
        walked_in = [p for p in self.people if p.visits and p.first_day is not None and p.first_day < day]
        if walked_in and index % 2 == 0:
            channel, agent = rng.choice(agents)
            self.schedule(self.during(day), self.report(rng.choice(walked_in), channel, agent))  # already seen

    def plan_pipeline(self, day: date) -> None:
        rng = self.rng
        week_customers = [p for p in self.people if p.visits and p.first_day is not None
                          and p.first_day >= self.week_start]
        for person in rng.sample(week_customers, min(len(week_customers), rng.randint(10, 16))):
            self.schedule(self.during(day, 10 * 60, 17 * 60 + 50), self.follow_up(person))
        if week_customers and rng.random() < 0.7:
            self.schedule(self.during(day, 11 * 60), self.release(rng.choice(week_customers)))
        for _ in range(rng.randint(2, 4)):
            self.schedule(self.during(day, 9 * 60 + 30), self.claim(rng.choice(self.on_duty)))
        for person in [p for p in self.people if p.pledged and not p.deal]:
            if rng.random() < 0.25:  # 认购: the pledge turns into a subscription
                self.schedule(self.during(day, 10 * 60), self.stage(person, "subscribe"))

    def plan_story(self, day: date, index: int) -> None:
        """The week's notable moments, on fixed days so every run tells them."""
        channel, agent = CHEATING_AGENT
        if index in (1, 2):  # 截客: reported minutes before the customer walks in
            person, when = self.new_person(), self.during(day, 10 * 60, 16 * 60)
            self.schedule(when - timedelta(minutes=self.rng.randint(5, 20)), self.report(person, channel, agent))
            self.schedule(when, self.visit(person, channel=channel, agent=agent))
        if index == 3:
            self.schedule(self.at(day, 9, 20), lambda: self.store.blacklist(agent=agent, actor=MANAGER))
            self.schedule(self.at(day, 14, 5), self.report(self.new_person(), channel, agent))
        if index == 1:  # a visitor who consents to face recognition ...
            self.face_person = self.new_person()
            self.schedule(self.at(day, 10, 40), self.visit(self.face_person, face="demo-face-01"))
        if index == 4:  # ... comes back under a new phone number: one face, two numbers
            new_phone = self.new_person()
            new_phone.name = self.face_person.name
            self.schedule(self.at(day, 15, 12), self.visit(new_phone, face="demo-face-01"))
        if index == 2:  # the camera sees someone nobody registers; an agent reports them that afternoon
            self.sighted = self.new_person()
            self.schedule(self.at(day, 11, 3), lambda: self.store.record_sighting("demo-face-03"))
            self.schedule(self.at(day, 15, 30), self.report(self.sighted, "链家", "孙丽"))
        if index == 3:
            self.schedule(self.at(day, 10, 32), self.visit(self.sighted, channel="链家", agent="孙丽",
                                                           face="demo-face-03"))
        if index == 4:  # a channel customer who pledges and subscribes the same day: fast deal
            quick = self.new_person()
            self.schedule(self.at(day, 9, 0), self.report(quick, "贝壳", "周杰"))
            self.schedule(self.at(day, 10, 15), self.visit(quick, channel="贝壳", agent="周杰"))
            self.schedule(self.at(day, 13, 0), self.stage(quick, "pledge"))
            self.schedule(self.at(day, 16, 20), self.stage(quick, "subscribe"))
        if index == 5:  # a deal recorded by someone who does not own the customer
            self.schedule(self.at(day, 16, 40), self.deal_by_non_owner)
        if index >= 5:  # a protected customer registered again by a colleague: a case for the manager
            self.schedule(self.during(day, 14 * 60), self.competing_registration)

    def competing_registration(self) -> None:
        candidates = sorted((p for p in self.people if p.visits and not p.deal
                             and p.last_visit_day != self.today), key=lambda p: p.phone)
        for person in self.rng.sample(candidates, len(candidates)):
            owner = self.owner(person)
            if owner in self.on_duty:
                colleague = self.rng.choice([c for c in self.on_duty if c != owner])
                self.visit(person, consultant=colleague)()
                return

    def deal_by_non_owner(self) -> None:
        for person in sorted(self.people, key=lambda p: (not p.pledged, p.phone)):
            owner = self.owner(person)
            if owner is not None and not person.deal and person.first_day is not None:
                other = next(c for c in self.on_duty if c != owner)
                self.stage(person, "subscribe", by=other)()
                return

    # ------------------------------------------------------------------- run
    def play(self) -> datetime:
        self.clock.at = self.at(self.week_start - timedelta(days=HISTORY_DAYS), 8, 0)
        for name in CONSULTANTS:
            self.store.add_consultant(name, actor=MANAGER)
        for channel, agents in CHANNELS.items():
            self.store.add_channel(channel, list(agents), actor=MANAGER)
        for index in range(HISTORY_DAYS):
            day = self.week_start - timedelta(days=HISTORY_DAYS - index)
            self.history_day(day, index)
            self.run_until(self.at(day, 23, 59))
        for index in range(WEEK_DAYS):
            day = self.week_start + timedelta(days=index)
            self.week_day(day, index)
            self.run_until(min(self.at(day, 23, 59), self.until))
        self.queue.clear()  # what today still had planned after `until` never happened
        return self.until


DEMO_PASSWORD = "demo1234"  # printed by `anchang demo`; the demo database only, never a site's
DEMO_MANAGER = "王经理"
DEMO_USERS = (("管理员", "admin", None), (DEMO_MANAGER, "manager", None), ("周渠道", "channel_manager", None),
              (RECEPTIONIST, "receptionist", None), *((name, "consultant", name) for name in CONSULTANTS))


def add_demo_users(store: Store) -> None:
    """A login for every role on the demo database (password DEMO_PASSWORD); each consultant as themself."""
    from service import users

    for name, role, consultant in DEMO_USERS:
        users.add_user(store, name, role, DEMO_PASSWORD, consultant=consultant, actor=MANAGER)


def demo_database_url() -> str:
    """ANCHANG_DATABASE_URL when set, else demo.sqlite3 in the data directory."""
    return os.environ.get("ANCHANG_DATABASE_URL") or f"sqlite:///{data_dir() / 'demo.sqlite3'}"


def _demo_url(directory: Path) -> str:
    """ANCHANG_DATABASE_URL when set (it must be empty), else a fresh demo.sqlite3 in the data directory."""
    url = os.environ.get("ANCHANG_DATABASE_URL")
    if url:
        return url
    path = directory / "demo.sqlite3"
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def wall_clock() -> datetime:
    """The real time the demo is made at (a test pins it to tell the same week twice)."""
    return datetime.now(UTC)


def run_demo(*, quiet: bool = False, now: datetime | None = None) -> int:
    """Writes the demo week up to `now` (default: the real time); prints the board unless `quiet` (the
    console shows it instead)."""
    started = timer.perf_counter()
    directory = data_dir()
    directory.mkdir(parents=True, exist_ok=True)
    ensure_keys(directory)
    url = _demo_url(directory)
    zone = RuleSet().timezone
    now = (now or wall_clock()).astimezone(zone)
    today = now.date()
    engine = open_engine(url, must_exist=False)
    try:
        migrate.upgrade(engine)
        with read_session(engine) as session:
            entries = session.scalar(sa.select(sa.func.count()).select_from(JournalEntry)) or 0
        if entries:
            raise AdminError(f"演示需要空数据库 / the demo needs an empty database: {shown_url(url)} already "
                             f"holds {entries} journal entries (unset ANCHANG_DATABASE_URL to use demo.sqlite3)")
        clock = ManualClock(datetime.combine(today, time(0), zone).astimezone(UTC))  # play() sets it
        store = Store(engine, Keyring.load(directory), clock=clock, station="demo")
        week = DemoWeek(store, clock, today, zone, until=now.astimezone(UTC))
        end = week.play()
        add_demo_users(store)
        board = build_board(engine, end, zone)
        with read_session(engine) as session:
            entries = session.scalar(sa.select(sa.func.count()).select_from(JournalEntry)) or 0
    finally:
        engine.dispose()
    print(f"演示数据已生成 / demo week written: {len(week.people)} 位客户 customers, {entries} 条日志 journal "
          f"entries, {timer.perf_counter() - started:.1f} s → {shown_url(url)}")
    if quiet:
        return EXIT_OK
    print()
    print_board(board)
    if not os.environ.get("ANCHANG_DATABASE_URL"):
        print()
        print(f"查看演示库 / to look around: ANCHANG_DATABASE_URL={url} anchang board|export|verify")
    print(f"演示登录 / demo logins: {', '.join(name for name, _r, _c in DEMO_USERS)}; "
          f"密码 / password {DEMO_PASSWORD}")
    return EXIT_OK
