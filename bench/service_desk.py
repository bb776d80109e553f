"""Service-desk bench: SLA state of a ticket list computed on read, on PostgreSQL.

Seeds a throwaway database (multi-row INSERTs) with N tickets of M status
changes each (and a public reply per ticket), on the China 2026 calendar with
lunch breaks and 调休 working days, folds each ticket's running SLA figures as
its writes would, then times the whole read the ticket list does (load the
tickets, match the policy, read every clock from the figures) beside the same
read from the whole history and the plain indexed lookup of the tickets.

    .venv/bin/python bench/service_desk.py [--tickets 200] [--changes 50] [--runs 50]

Needs CRM_BENCH_DATABASE_URL or the local server (postgresql://postgres@127.0.0.1).
Then seeds N articles (Chinese and English, random words) and times the public
knowledge-base search (GIN tsvector over character bigrams, ranked) beside a
plain indexed lookup on the same table (by category).

    .venv/bin/python bench/service_desk.py --articles 50000
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

# This script is named like the package it measures: keep its folder off the path.
sys.path = [p for p in sys.path if os.path.abspath(p or ".") != os.path.dirname(__file__)]

from sqlalchemy import event, insert, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from crm_shared.calendars.business_time import calendar_from_definition, definition_of  # noqa: E402
from crm_shared.db import Database, drop_database, ensure_database  # noqa: E402
from crm_shared.migrations import upgrade  # noqa: E402
from service_desk import knowledge_base  # noqa: E402
from service_desk.calendars import with_holidays  # noqa: E402
from service_desk.models import (  # noqa: E402
    Article,
    Calendar,
    Message,
    Policy,
    StatusChange,
    Ticket,
)
from service_desk.rules.kb_text import indexed_text  # noqa: E402
from service_desk.service import SERVICE  # noqa: E402
from service_desk.sla import SlaReader  # noqa: E402
from service_desk.sla_revision import with_revision  # noqa: E402

STATUSES = ("open", "pending")


def _seed(db: Database, tickets: int, changes: int) -> list[uuid.UUID]:
    definition = with_holidays(
        {
            "timezone": "Asia/Shanghai",
            "week": {
                d: {"hours": [["09:00", "12:00"], ["13:30", "18:00"]]}
                for d in ("mon", "tue", "wed", "thu", "fri")
            },
        },
        "CN",
        [2026],
    )
    calendar_id, policy_id = uuid.uuid4(), uuid.uuid4()
    start = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)
    ids = [uuid.uuid4() for _ in range(tickets)]
    with db.session() as session:
        session.execute(
            insert(Calendar),
            [
                {
                    "id": calendar_id,
                    "name": "CN",
                    "definition": definition_of(calendar_from_definition(definition)),
                    "is_default": True,
                    "updated_at": start,
                }
            ],
        )
        session.execute(
            insert(Policy),
            [
                {
                    "id": policy_id,
                    "name": "all",
                    "position": 1,
                    "first_response_minutes": 60,
                    "next_response_minutes": 240,
                    "resolution_minutes": 60 * 24 * 30,
                    "warn_before_minutes": 30,
                    "calendar_id": calendar_id,
                    "escalate_to": [],
                    "active": True,
                }
            ],
        )
        session.execute(
            insert(Ticket),
            [
                {
                    "id": t,
                    "customer_id": uuid.uuid4(),
                    "subject": f"工单 {i}",
                    "status": "open",
                    "type": "incident",
                    "priority": "normal",
                    "channel": "email",
                    "tags": [],
                    "opened_at": start,
                }
                for i, t in enumerate(ids)
            ],
        )
        rows = [
            {
                "id": uuid.uuid4(),
                "ticket_id": t,
                "status": "new" if n == 0 else STATUSES[n % 2],
                "at": start + timedelta(hours=7 * n),
            }
            for t in ids
            for n in range(changes)
        ]
        for i in range(0, len(rows), 5000):
            session.execute(insert(StatusChange), rows[i : i + 5000])
        session.execute(
            insert(Message),
            [
                {
                    "id": uuid.uuid4(),
                    "ticket_id": t,
                    "visibility": "public",
                    "author_kind": "agent",
                    "body": "已收到",
                    "attachments": [],
                    "created_at": start + timedelta(minutes=30),
                }
                for t in ids
            ],
        )
        session.commit()
        # As each status change and reply would have: fold the running SLA figures.
        SlaReader(session).refresh(list(session.scalars(select(Ticket))))
        session.commit()
    return ids


WORDS_ZH = [
    "打印机",
    "卡纸",
    "硒鼓",
    "更换",
    "退货",
    "流程",
    "发票",
    "开具",
    "物流",
    "查询",
    "安装",
    "调试",
    "保修",
    "维修",
    "网络",
    "连接",
    "账号",
    "登录",
    "密码",
    "重置",
    "主轴",
    "异响",
    "电机",
    "过热",
    "固件",
    "升级",
    "配件",
    "订购",
    "合同",
    "续签",
    "报价",
    "审批",
    "数据",
    "导出",
    "报表",
    "权限",
    "设置",
    "通知",
    "邮件",
    "短信",
    "延迟",
    "故障",
    "排查",
    "备件",
    "库存",
    "退款",
    "进度",
    "客服",
]
WORDS_EN = [
    "printer",
    "jam",
    "toner",
    "replace",
    "return",
    "invoice",
    "shipping",
    "install",
    "warranty",
    "repair",
    "network",
    "login",
    "password",
    "reset",
    "firmware",
    "upgrade",
    "order",
    "contract",
    "export",
    "report",
    "permission",
    "email",
]


def _seed_articles(db: Database, count: int) -> None:
    import random

    rng = random.Random(7)
    now = datetime(2026, 12, 1, tzinfo=UTC)
    # A realistic spread: thousands of distinct two-character words, with the
    # real support vocabulary appearing now and then.
    filler = [
        chr(0x4E00 + rng.randrange(3000)) + chr(0x4E00 + rng.randrange(3000)) for _ in range(8000)
    ]
    zh = filler + WORDS_ZH * 3
    en = [f"w{n}" for n in range(8000)] + WORDS_EN * 3
    with db.session() as session:
        batch = []
        for i in range(count):
            english = i % 5 == 0
            words = en if english else zh
            title = (" " if english else "").join(rng.sample(words, 3))
            separator = " " if english else "\N{FULLWIDTH COMMA}"
            body = separator.join(rng.choice(words) for _ in range(40))
            batch.append(
                {
                    "id": uuid.uuid4(),
                    "title": title,
                    "body": body,
                    "category": f"c{i % 200}",
                    "tags": [],
                    "language": "en" if english else "zh",
                    "state": "published",
                    "visibility": "public" if i % 4 else "internal",
                    "version": 1,
                    "search_text": indexed_text(title, title, body),
                    "helpful": 0,
                    "not_helpful": 0,
                    "updated_at": now,
                }
            )
            if len(batch) == 5000:
                session.execute(insert(Article), batch)
                batch = []
        if batch:
            session.execute(insert(Article), batch)
        session.commit()
        session.execute(text("ANALYZE kb_articles"))
        session.commit()


def _time_kb(db: Database, runs: int) -> None:
    queries = ["打印机 卡纸", "硒鼓更换", "firmware upgrade", "退款进度", "密码重置"]
    search_times, ref_times = [], []
    for n in range(runs):
        with db.reading() as session:
            began = time.perf_counter()
            knowledge_base.search(session, queries[n % len(queries)], public_only=True, limit=20)
            search_times.append((time.perf_counter() - began) * 1000)
        with db.reading() as session:
            began = time.perf_counter()
            list(
                session.scalars(select(Article).where(Article.category == f"c{n % 200}").limit(20))
            )
            ref_times.append((time.perf_counter() - began) * 1000)
    p50, p99 = _percentiles(search_times)
    r50, r99 = _percentiles(ref_times)
    print(
        f"KB public search over the seeded articles: p50 {p50:.1f} ms, p99 {p99:.1f} ms "
        f"(reference: indexed lookup by category, 20 rows, p50 {r50:.1f} ms, p99 {r99:.1f} ms)"
    )


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return statistics.median(ordered), p99


def main() -> None:
    """Seed, time, print, drop."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=200)
    parser.add_argument("--changes", type=int, default=50)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--articles", type=int, default=50000)
    args = parser.parse_args()
    base = os.environ.get(
        "CRM_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    url = (
        make_url(base)
        .set(database=f"crm_bench_desk_{uuid.uuid4().hex[:8]}")
        .render_as_string(hide_password=False)
    )
    ensure_database(url)
    try:
        upgrade(SERVICE, url)
        db = Database(url, service=SERVICE.name, pool_size=1)
        ids = _seed(db, args.tickets, args.changes)
        now = datetime(2026, 12, 2, 4, 0, tzinfo=UTC)
        sla_times, history_times, ref_times = [], [], []
        queries: list[str] = []
        counted: list[int] = []
        event.listen(db.engine, "before_cursor_execute", lambda *a: queries.append(a[2]))
        for _ in range(args.runs):
            with db.reading() as session:
                began = time.perf_counter()
                queries.clear()
                # As the ticket list reads them: with the SLA settings' revision.
                tickets = list(
                    session.scalars(with_revision(select(Ticket).where(Ticket.id.in_(ids))))
                )
                clocks = SlaReader(session).clocks_for(tickets, now)
                sla_times.append((time.perf_counter() - began) * 1000)
                assert len(clocks) == len(ids)
                counted.append(len(queries))
            with db.reading() as session:
                # The same read without the figures (never committed): from the history.
                began = time.perf_counter()
                tickets = list(session.scalars(select(Ticket).where(Ticket.id.in_(ids))))
                for ticket in tickets:
                    ticket.sla_figures = None
                reader = SlaReader(session)
                slow = reader.clocks_for(tickets, now)
                history_times.append((time.perf_counter() - began) * 1000)
                assert len(reader.stale) == len(ids)
                # The same clocks either way (the policies are rows of two sessions).
                assert {k: v[1] for k, v in slow.items()} == {k: v[1] for k, v in clocks.items()}
            with db.reading() as session:
                began = time.perf_counter()
                list(session.scalars(select(Ticket).where(Ticket.id.in_(ids))))
                ref_times.append((time.perf_counter() - began) * 1000)
        p50, p99 = _percentiles(sla_times)
        h50, h99 = _percentiles(history_times)
        r50, r99 = _percentiles(ref_times)
        print(
            f"SLA state, {args.tickets} tickets x {args.changes} status changes, "
            f"China 2026 calendar: p50 {p50:.1f} ms, p99 {p99:.1f} ms "
            f"(from the whole history instead: p50 {h50:.1f} ms, p99 {h99:.1f} ms; "
            f"reference: the indexed lookup of the same {args.tickets} tickets "
            f"p50 {r50:.1f} ms, p99 {r99:.1f} ms); "
            f"queries per SLA read: {min(counted)}-{max(counted)}"
        )
        _seed_articles(db, args.articles)
        _time_kb(db, max(args.runs, 100))
        db.dispose()
    finally:
        drop_database(url)


if __name__ == "__main__":
    main()
