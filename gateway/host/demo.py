"""Deterministic demo data: subjects the core creates, and each plugin's records through its hook.

The same seed always yields the same subjects and records, and seeding a database twice changes
nothing: subjects are inserted only when absent, and plugins write through their idempotent
submission path, which leaves records the workflows changed meanwhile as they are
(:mod:`gateway.write.seeding`).
"""

from __future__ import annotations

import inspect
import random
from datetime import date

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from stdnum.cn import ric, uscc

from gateway.db.tables import subject
from gateway.hooks.contributions import DemoContext, DemoSubject
from gateway.host.loading import call_each
from gateway.kernel.identifiers import SubjectKind, lookup_hash, parse_subject_code
from gateway.write.seeding import seeding_demo

# The national standards' own example codes (GB 32100, GB 11643): documented examples resolve on the demo.
ANCHOR_SUBJECTS: tuple[tuple[str, str, SubjectKind], ...] = (
    ("91350100M000100Y43", "福州闽都信用示范科技有限公司", SubjectKind.LEGAL_PERSON),
    ("91110000600037341L", "北京京华建设集团有限公司", SubjectKind.LEGAL_PERSON),
    ("91110108551385082Q", "北京海淀中关村数据服务有限公司", SubjectKind.LEGAL_PERSON),
    ("91310115MA1K3BTP2B", "上海浦东新区明珠文化传媒有限公司", SubjectKind.LEGAL_PERSON),
    ("121200004013590816", "天津市城市管理综合行政执法总队培训中心", SubjectKind.LEGAL_PERSON),
    ("11010519491231002X", "张建华", SubjectKind.NATURAL_PERSON),
    ("110102199101010078", "李明", SubjectKind.NATURAL_PERSON),
)

_DIVISIONS = ("350100", "350102", "350203", "110105", "110108", "310115", "320102", "330106", "440305", "510107")
_PLACES = {"35": "福州", "11": "北京", "31": "上海", "32": "南京", "33": "杭州", "44": "深圳", "51": "成都"}
_WORDS = (
    "闽江",
    "海峡",
    "鼓楼",
    "榕城",
    "华信",
    "恒达",
    "东方",
    "新世纪",
    "长安",
    "瑞丰",
    "金桥",
    "宏远",
    "博雅",
    "天行",
)
_TRADES = ("建设工程", "商贸", "文化传媒", "餐饮管理", "物流", "科技", "广告", "环境卫生", "建材", "物业服务")
_SHOPS = ("小吃店", "便利店", "理发店", "五金店")
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国"
_ORG_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _uscc(rng: random.Random, authority: str, org_type: str) -> str:
    body = authority + org_type + rng.choice(_DIVISIONS) + "".join(rng.choice(_ORG_CODE_ALPHABET) for _ in range(9))
    return body + uscc.calc_check_digit(body)


def _resident_id(rng: random.Random) -> str:
    while True:
        born = date(1950, 1, 1).toordinal() + rng.randrange(0, 50 * 365)
        body = rng.choice(_DIVISIONS) + date.fromordinal(born).strftime("%Y%m%d") + f"{rng.randrange(1000):03d}"
        number = body + ric.calc_check_digit(body + "0")  # stdnum expects a placeholder check digit
        # Some districts did not exist yet in the birth year; stdnum knows, so draw again.
        if ric.is_valid(number):
            return number


def demo_subjects(count: int, seed: int = 20261122) -> list[DemoSubject]:
    """``count`` subjects (anchors first): about 75% enterprises, 8% individual businesses,
    5% institutions and social organisations, 12% natural persons."""
    rng = random.Random(f"{seed}:subjects")
    result = [DemoSubject(parse_subject_code(code), name, kind) for code, name, kind in ANCHOR_SUBJECTS]
    seen = {s.code.value for s in result}
    while len(result) < count:
        draw = rng.random()
        if draw < 0.12:
            code = _resident_id(rng)
            name = rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2))))
            kind = SubjectKind.NATURAL_PERSON
        elif draw < 0.20:
            code = _uscc(rng, "9", "2")
            name = f"{_PLACES.get(code[2:4], '')}{rng.choice(_WORDS)}{rng.choice(_SHOPS)}"
            kind = SubjectKind.INDIVIDUAL_BUSINESS
        elif draw < 0.25:
            code = _uscc(rng, rng.choice("15"), "1")
            name = f"{_PLACES.get(code[2:4], '')}市{rng.choice(_WORDS)}{rng.choice(('协会', '研究会', '服务中心'))}"
            kind = SubjectKind.LEGAL_PERSON
        else:
            code = _uscc(rng, "9", "1")
            name = f"{_PLACES.get(code[2:4], '')}{rng.choice(_WORDS)}{rng.choice(_TRADES)}有限公司"
            kind = SubjectKind.LEGAL_PERSON
        if code in seen:
            continue
        seen.add(code)
        result.append(DemoSubject(parse_subject_code(code), name, kind))
    return result


async def seed_subjects(engine: AsyncEngine, subjects: list[DemoSubject], secret_key: str) -> int:
    """Insert the subjects not yet present; returns how many were added."""
    rows = {lookup_hash(s.code, secret_key): s for s in subjects}
    async with engine.begin() as conn:
        present: set[str] = set()
        hashes = list(rows)
        for start in range(0, len(hashes), 1000):
            chunk = hashes[start : start + 1000]
            found = await conn.execute(sa.select(subject.c.lookup_hash).where(subject.c.lookup_hash.in_(chunk)))
            present.update(found.scalars())
        missing = [
            {
                "lookup_hash": h,
                "code_type": s.code.type.value,
                "display_code": s.code.masked,
                "name": s.name,
                "kind": s.kind.value,
            }
            for h, s in rows.items()
            if h not in present
        ]
        if missing:
            await conn.execute(subject.insert(), missing)
    return len(missing)


async def seed(
    engine: AsyncEngine, manager: object, *, secret_key: str, subjects: int = 1_000, today: date | None = None
) -> int:
    """Seed the core's subjects, then every plugin's records. Returns the number of new subjects."""
    people = demo_subjects(subjects)
    added = await seed_subjects(engine, people, secret_key)
    context = DemoContext(engine=engine, subjects=people, today=today or date(2026, 11, 1), secret_key=secret_key)
    # Whatever the workflows did to demo records since they were seeded (corrections, revocations,
    # repairs) stands: seeding again neither undoes it, nor refuses it, nor duplicates the record. The records
    # it inserts then get realistic submission times (gateway.write.seeding), not the seeding's.
    async with seeding_demo(engine, context.seed):
        for _plugin, result in call_each(manager, "seed_demo_data", demo=context):  # type: ignore[arg-type]
            if inspect.isawaitable(result):
                await result
    return added
