"""The floor: the workloads' responses with no GraphQL at all.

A raw ASGI app on uvicorn (as `credit-gateway serve` runs ours) that runs, per request, the very SQL
statements our gateway issues for the same request (captured from it by cgbench.capture, executed
verbatim through an asyncpg pool whose sessions have the gateway's planner settings), applies the
same publication filter (published = ACTIVE), builds the same JSON document by hand and serialises it
with orjson. Our gateway's throughput over the floor's is what the GraphQL layer, the middleware and
SQLAlchemy cost together.

It answers only the requests the workloads send (POST /w1, /w2, /w3 with the workloads' bodies):
the captured statements have as many IN-list placeholders as those requests have keys.

Run: python -m cgbench.floor <capture.json> <dsn> <port> [workers]  (the HMAC key in CREDIT_GATEWAY_SECRET_KEY)
"""

from __future__ import annotations

import asyncio
import base64
import calendar
import os
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

import asyncpg
import orjson
import uvicorn
from gateway.db.engine import planner_settings
from gateway.kernel.clock import today
from gateway.kernel.identifiers import lookup_hash, parse_subject_code, region_of
from gateway.records.publicity import current_rules, is_published

Row = asyncpg.Record
JSON = dict[str, Any]


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _amount(value: Any) -> str | None:
    return str(value) if value is not None else None


def _split(stored: str) -> list[str]:
    return [part for part in stored.split(",") if part]


def _publish_by(decided: date) -> date:
    return date(decided.year + 1, 1, 15) if decided.month == 12 else date(decided.year, decided.month + 1, 15)


def _add_months(start: date, months: int) -> date:
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def _cursor(row: Row) -> str:
    return base64.urlsafe_b64encode(orjson.dumps([row["decision_date"].isoformat(), row["id"]])).decode()


def _newest_first(rows: Iterable[Row]) -> list[Row]:
    return sorted(rows, key=lambda r: (r["decision_date"], r["id"]), reverse=True)


def _current(row: Row, today: date) -> bool:
    return row["list_removal_date"] is None or row["list_removal_date"] > today


GREEN_CHANNEL = {
    "PRIORITY_HANDLING": "优先办理",
    "MISSING_DOCUMENT_TOLERANCE": "容缺受理",
    "SIMPLIFIED_PROCEDURES": "简化程序",
}


class _View:
    """Attribute access to a row, as the product's publication rule reads records."""

    __slots__ = ("_row",)

    def __init__(self, row: Row) -> None:
        self._row = row

    def __getattr__(self, name: str) -> Any:
        return self._row[name]


def _published(row: Row, day: date) -> bool:
    # The product's own rule (gateway/policy/access.py applies it to every domain's records).
    return is_published(_View(row), day, current_rules())


class Statement:
    """A captured statement; its request-dependent parameters are filled in per request."""

    def __init__(self, captured: dict[str, Any]) -> None:
        self.sql: str = captured["sql"]
        self.params: list[Any] = [_decode(p) for p in captured["params"]]
        self.domain = next((p for p in self.params if isinstance(p, str) and p in _DOMAINS), None)

    def with_keys(self, keys: list[Any]) -> list[Any]:
        """The captured parameters with the keys (hashes or ids) replaced, in order: the constants
        (domain, status, dates, limits) stay as captured."""
        kind = str if isinstance(keys[0], str) else int
        replaced = iter(keys)
        out = [next(replaced) if self._is_key(p, kind) else p for p in self.params]
        return out

    def _is_key(self, value: Any, kind: type) -> bool:
        if kind is str:
            return isinstance(value, str) and len(value) == 64 and value not in _DOMAINS
        return type(value) is int and "IN (" in self.sql


class Floor:
    def __init__(self, capture: dict[str, list[dict[str, Any]]], pool: asyncpg.Pool, secret_key: str) -> None:
        self.pool = pool
        self.secret_key = secret_key
        self.statements = {key: [Statement(s) for s in statements] for key, statements in capture.items()}
        # Per workload, each domain's records statement (its loader's, the first of that domain) and the
        # statements after the subject's that are neither (the measures catalogue and the facts behind the
        # culture green channel's conflict rule): those run verbatim, their parameters being W1's one subject.
        self.records: dict[str, list[Statement]] = {}
        self.extras: dict[str, list[Statement]] = {}
        for key, statements in self.statements.items():
            seen: set[str] = set()
            for statement in statements[1:]:
                if statement.domain is not None and statement.domain not in seen:
                    seen.add(statement.domain)
                    self.records.setdefault(key, []).append(statement)
                else:
                    self.extras.setdefault(key, []).append(statement)
        # W3's statements ran concurrently, so they are told apart by what they are, not by position.
        w3 = self.statements.get("w3", [])
        self.culture_list = next((s for s in w3 if s.domain == "culture"), None)
        self.tax_list = next((s for s in w3 if s is not self.culture_list), None)

    async def _records(self, key: str, ids: list[int], day: date) -> dict[str, dict[int, list[Row]]]:
        """Each domain's published records per subject id: one statement per domain, concurrently."""
        statements = self.records[key]
        results = await asyncio.gather(*(self.pool.fetch(s.sql, *s.with_keys(ids)) for s in statements))
        found: dict[str, dict[int, list[Row]]] = {}
        for statement, rows in zip(statements, results, strict=True):
            per_subject: dict[int, list[Row]] = defaultdict(list)
            for row in rows:
                if _published(row, day):
                    per_subject[row["subject_id"]].append(row)
            found[statement.domain] = per_subject  # type: ignore[index]
        return found

    async def _subjects(self, key: str, codes: list[str]) -> list[Row | None]:
        hashes = [lookup_hash(parse_subject_code(code), self.secret_key) for code in codes]
        statement = self.statements[key][0]
        rows = await self.pool.fetch(statement.sql, *statement.with_keys(list(dict.fromkeys(hashes))))
        by_hash = {row["lookup_hash"]: row for row in rows if row["code_type"] != "RESIDENT_ID"}
        return [by_hash.get(h) for h in hashes]

    async def profile(self, variables: JSON) -> JSON:
        (subject,) = await self._subjects("w1", [variables["code"]])
        if subject is None:
            return {"data": {"subject": None}}
        day = today()
        records, _ = await asyncio.gather(
            self._records("w1", [subject["id"]], day),
            asyncio.gather(*(self.pool.fetch(s.sql, *s.params) for s in self.extras.get("w1", []))),
        )
        return {"data": {"subject": _profile(subject, records, day)}}

    async def batch(self, variables: JSON) -> JSON:
        subjects = await self._subjects("w2", variables["codes"])
        ids = list(dict.fromkeys(s["id"] for s in subjects if s is not None))
        day = today()
        records = await self._records("w2", ids, day)
        return {"data": {"subjects": [_summary(s, records, day) if s is not None else None for s in subjects]}}

    async def black_lists(self, _variables: JSON) -> JSON:
        assert self.tax_list and self.culture_list
        tax, culture = await asyncio.gather(
            self.pool.fetch(self.tax_list.sql, *self.tax_list.params),
            self.pool.fetch(self.culture_list.sql, *self.culture_list.params),
        )
        # The page's statement reads its subjects too (published_page's with_subjects).
        names = {
            r["subject_id"]: {"name": r["subject__name"], "display_code": r["subject__display_code"]} for r in tax[:25]
        }
        return {
            "data": {
                "majorTaxViolations": _page(tax, lambda r: {"cursor": _cursor(r), "node": _tax_node(r, names)}),
                "cultureRedBlackList": _page(culture, _culture_edge),
            }
        }


def _decode(value: Any) -> Any:
    """Captured parameters keep their dates as {"date": "YYYY-MM-DD"} (cgbench.capture)."""
    return date.fromisoformat(value["date"]) if isinstance(value, dict) and "date" in value else value


_DOMAINS = ("tax", "urban_management", "culture", "construction")


def _page(rows: list[Row], edge: Callable[[Row], JSON]) -> JSON:
    edges = [edge(r) for r in rows[:25]]
    return {
        "edges": edges,
        "pageInfo": {"hasNextPage": len(rows) > 25, "endCursor": edges[-1]["cursor"] if edges else None},
    }


def _tax_node(r: Row, names: dict[int, Any]) -> JSON:
    subject = names[r["subject_id"]]
    return {
        "id": str(r["id"]), "documentNumber": r["document_number"], "decisionDate": r["decision_date"].isoformat(),
        "violationType": r["violation_type"], "amountInvolved": _amount(r["amount_involved"]),
        "subjectName": subject["name"], "subjectCode": subject["display_code"],
    }  # fmt: skip


def _culture_edge(r: Row) -> JSON:
    return {
        "cursor": _cursor(r), "subjectName": r["subject_name"], "subjectCode": r["subject_display_code"],
        "node": {"id": str(r["id"]), "documentNumber": r["document_number"],
                 "decisionDate": r["decision_date"].isoformat(), "listName": r["list_list_name"],
                 "reason": r["list_reason"]},
    }  # fmt: skip


def _split_tax(rows: list[Row]) -> tuple[list[Row], list[Row]]:
    ordered = _newest_first(rows)
    ratings = [r for r in ordered if r["record_type"] == "TaxCreditRating" and r["grade"] is not None]
    ratings.sort(key=lambda r: r["year"], reverse=True)
    violations = [r for r in ordered if r["record_type"] == "MajorTaxViolation" and r["violation_type"] is not None]
    return ratings, violations


def _lists(rows: list[Row]) -> tuple[list[Row], list[Row]]:
    entries = [r for r in rows if r["record_type"] == "CreditListEntry"]
    return [e for e in entries if e["list_list_type"] == "RED"], [e for e in entries if e["list_list_type"] == "BLACK"]


def _black_listed_elsewhere(violations: list[Row], urban_black: list[Row], blacklist: list[Row], today: date) -> bool:
    """On a black list of another domain today (a major tax violation published, an urban black-list entry
    current, a construction black-list entry in force): the measures catalogue's punishment for any black
    list then withholds the culture green channel (core.measures, PUNISHMENT_WINS)."""
    return (
        bool(violations)
        or any(_current(e, today) for e in urban_black)
        or any(today < r["removal_due"] for r in blacklist)
    )


def _green_channel(red: list[Row], black: list[Row], today: date, withheld: bool) -> JSON:
    if withheld or any(_current(e, today) for e in black):
        return {"eligible": False, "since": None, "incentives": []}
    granting = [e for e in red if _current(e, today) and set(_split(e["list_measures"])) & GREEN_CHANNEL.keys()]
    held = {m for e in granting for m in _split(e["list_measures"])}
    incentives = [{"code": code, "label": label} for code, label in GREEN_CHANNEL.items() if code in held]
    since = min((e["decision_date"] for e in granting), default=None)
    return {"eligible": bool(incentives), "since": _day(since), "incentives": incentives}


def _profile(s: Row, records: dict[str, dict[int, list[Row]]], today: date) -> JSON:
    sid = s["id"]
    region = region_of(s["display_code"][2:8])
    ratings, violations = _split_tax(records["tax"].get(sid, []))
    urban = records["urban_management"].get(sid, [])  # newest first already (ORDER BY in the statement)
    urban_red, urban_black = _lists(urban)
    culture = records["culture"].get(sid, [])
    culture_red, culture_black = _lists(culture)
    construction = _newest_first(records["construction"].get(sid, []))
    qualifications = [r for r in construction if r["record_type"] == "ConstructionQualification" and r["grade"]]
    conduct = [r for r in construction if r["record_type"] == "ConstructionConductRecord" and r["conduct"]]
    blacklist = [r for r in construction if r["record_type"] == "ConstructionBlacklistEntry" and r["criterion"]]
    return {
        "code": s["display_code"], "name": s["name"], "kind": s["kind"],
        "region": {"code": region.code, "province": region.province, "name": region.name},
        "tax": {
            "latestRating": _rating(ratings[0]) if ratings else None,
            "ratings": [{"id": str(r["id"]), **_rating(r)} for r in ratings],
            "majorViolations": [
                {"id": str(r["id"]), "documentNumber": r["document_number"], "violationType": r["violation_type"],
                 "amountInvolved": _amount(r["amount_involved"]), "decisionDate": r["decision_date"].isoformat(),
                 "publishBy": _publish_by(r["decision_date"]).isoformat(), "status": r["status"]}
                for r in violations
            ],
            "isMajorViolator": bool(violations),
        },
        "urbanManagement": {
            "penalties": [
                {"id": str(r["id"]), "documentNumber": r["document_number"],
                 "penaltyCategories": _split(r["penalty_penalty_categories"]),
                 "fineAmount": _amount(r["penalty_fine_amount"]), "subArea": r["penalty_sub_area"],
                 "decisionDate": r["decision_date"].isoformat()}
                for r in urban if r["record_type"] == "AdministrativePenalty"
            ],
            "licenses": [
                {"id": str(r["id"]), "documentTitle": r["license_document_title"],
                 "licenseCategory": r["license_license_category"], "validTo": r["license_valid_to"].isoformat()}
                for r in urban if r["record_type"] == "AdministrativeLicense"
            ],
            "inspections": [
                {"id": str(r["id"]), "inspectionType": r["inspection_inspection_type"],
                 "result": r["inspection_result"], "inspectionDate": r["decision_date"].isoformat()}
                for r in urban if r["record_type"] == "UrbanInspection" and r["inspection_result"] is not None
            ],
            "redList": [{"id": str(e["id"]), "listName": e["list_list_name"], "isCurrent": _current(e, today)}
                        for e in urban_red],
            "blackList": [{"id": str(e["id"]), "listName": e["list_list_name"], "isCurrent": _current(e, today)}
                          for e in urban_black],
            "onBlackList": any(_current(e, today) for e in urban_black),
        },
        "culture": {
            "penalties": [
                {"id": str(r["id"]), "documentNumber": r["document_number"],
                 "penaltyCategories": _split(r["penalty_penalty_categories"]),
                 "fineAmount": _amount(r["penalty_fine_amount"]), "decisionDate": r["decision_date"].isoformat()}
                for r in culture if r["record_type"] == "AdministrativePenalty"
            ],
            "licenses": [
                {"id": str(r["id"]), "documentTitle": r["license_document_title"],
                 "validTo": r["license_valid_to"].isoformat()}
                for r in culture if r["record_type"] == "AdministrativeLicense"
            ],
            "redList": [_entry(e, today) for e in culture_red],
            "blackList": [_entry(e, today) for e in culture_black],
            "greenChannel": _green_channel(
                culture_red, culture_black, today, _black_listed_elsewhere(violations, urban_black, blacklist, today)
            ),
        },
        "construction": {
            "qualifications": [
                {"id": str(r["id"]), "qualificationCategory": r["qualification_category"], "grade": r["grade"],
                 "validUntil": r["qualification_valid_until"].isoformat(),
                 "inForce": r["valid_from"] <= today <= r["qualification_valid_until"]}
                for r in qualifications
            ],
            "goodConduct": [
                {"id": str(r["id"]), "behaviourCategory": r["behaviour_category"],
                 "decisionDate": r["decision_date"].isoformat()}
                for r in conduct if r["conduct"] == "GOOD"
            ],
            "badConduct": [
                {"id": str(r["id"]), "behaviourCategory": r["behaviour_category"],
                 "publicityEndsOn": _add_months(r["decision_date"], r["publicity_months"]).isoformat()}
                for r in conduct if r["conduct"] == "BAD"
            ],
            "blacklist": [
                {"id": str(r["id"]), "criterion": r["criterion"], "removalDue": r["removal_due"].isoformat(),
                 "inForce": today < r["removal_due"]}
                for r in blacklist
            ],
            "isBlacklisted": any(today < r["removal_due"] for r in blacklist),
        },
    }  # fmt: skip


def _rating(r: Row) -> JSON:
    return {"year": r["year"], "grade": r["grade"], "decisionDate": r["decision_date"].isoformat()}


def _entry(e: Row, today: date) -> JSON:
    return {"id": str(e["id"]), "listName": e["list_list_name"], "measures": _split(e["list_measures"]),
            "isCurrent": _current(e, today)}  # fmt: skip


def _summary(s: Row, records: dict[str, dict[int, list[Row]]], today: date) -> JSON:
    sid = s["id"]
    ratings, violations = _split_tax(records["tax"].get(sid, []))
    urban = records["urban_management"].get(sid, [])
    _, urban_black = _lists(urban)
    culture_red, culture_black = _lists(records["culture"].get(sid, []))
    construction = _newest_first(records["construction"].get(sid, []))
    blacklist = [r for r in construction if r["record_type"] == "ConstructionBlacklistEntry" and r["criterion"]]
    withheld = _black_listed_elsewhere(violations, urban_black, blacklist, today)
    green = _green_channel(culture_red, culture_black, today, withheld)
    return {
        "code": s["display_code"], "name": s["name"], "kind": s["kind"],
        "tax": {"latestRating": {"year": ratings[0]["year"], "grade": ratings[0]["grade"]} if ratings else None,
                "isMajorViolator": bool(violations)},
        "urbanManagement": {
            "onBlackList": any(_current(e, today) for e in urban_black),
            "penalties": [
                {"decisionDate": r["decision_date"].isoformat(), "fineAmount": _amount(r["penalty_fine_amount"])}
                for r in urban if r["record_type"] == "AdministrativePenalty"
            ],
        },
        "culture": {"greenChannel": {"eligible": green["eligible"]},
                    "blackList": [{"listName": e["list_list_name"]} for e in culture_black]},
        "construction": {
            "isBlacklisted": any(today < r["removal_due"] for r in blacklist),
            "qualifications": [{"grade": r["grade"], "validUntil": r["qualification_valid_until"].isoformat()}
                               for r in construction if r["record_type"] == "ConstructionQualification" and r["grade"]],
        },
    }  # fmt: skip


class App:
    """Raw ASGI: read the body, run the workload's handler, answer JSON."""

    def __init__(self, capture_path: str, dsn: str, secret_key: str) -> None:
        with open(capture_path, "rb") as f:
            self.capture = orjson.loads(f.read())
        self.dsn = dsn
        self.secret_key = secret_key
        self.floor: Floor | None = None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        assert self.floor is not None
        handler = {"/w1": self.floor.profile, "/w2": self.floor.batch, "/w3": self.floor.black_lists}.get(scope["path"])
        if handler is None:
            status, payload = 404, b'{"error": "not found"}'
        else:
            status, payload = 200, orjson.dumps(await handler(orjson.loads(body).get("variables") or {}))
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})

    async def _lifespan(self, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                # The gateway's pool: 10 connections and 10 more on demand (gateway/db/engine.py), and
                # its serving sessions' planner settings, so that PostgreSQL runs the floor's statements
                # on the plans it runs ours on.
                pool = await asyncpg.create_pool(
                    self.dsn, min_size=1, max_size=20, server_settings=planner_settings(generic_plans=True)
                )
                self.floor = Floor(self.capture, pool, self.secret_key)
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self.floor is not None:
                    await self.floor.pool.close()
                await send({"type": "lifespan.shutdown.complete"})
                return


_CAPTURE_ENV, _DSN_ENV = "CGBENCH_FLOOR_CAPTURE", "CGBENCH_FLOOR_DSN"


def create_app() -> App:
    """Each worker's app (uvicorn imports it by name in a fresh interpreter): from the environment."""
    return App(os.environ[_CAPTURE_ENV], os.environ[_DSN_ENV], os.environ["CREDIT_GATEWAY_SECRET_KEY"])


def main() -> None:
    capture_path, dsn, port = sys.argv[1:4]
    workers = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    os.environ[_CAPTURE_ENV], os.environ[_DSN_ENV] = capture_path, dsn
    # As `credit-gateway serve` runs ours: as many workers, uvloop and httptools, log level info
    # (uvicorn's access log too: ours writes one line a request, so does the floor).
    uvicorn.run(
        "cgbench.floor:create_app",
        factory=True,
        workers=workers,
        loop="uvloop",
        http="httptools",
        host="127.0.0.1",
        port=int(port),
        log_level="info",
    )


if __name__ == "__main__":
    main()
