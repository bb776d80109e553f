"""Delivery arithmetic: backoff between attempts, when to pause a channel, batches."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import timedelta

from .catalog import label

MAX_BATCH_LINES = 50


def backoff(attempts: int, base_seconds: float, cap_seconds: float) -> timedelta:
    """How long to wait after the ``attempts``-th failure: base, then doubling, capped."""
    exponent = max(attempts - 1, 0)
    seconds = base_seconds * (2 ** min(exponent, 30))
    return timedelta(seconds=min(seconds, cap_seconds))


def gives_up(attempts: int, limit: int, retryable: bool) -> bool:
    """True when a message failed for good: a permanent answer, or the limit reached."""
    return not retryable or attempts >= limit


def should_pause(failures_in_row: int, threshold: int) -> bool:
    """A channel failing ``threshold`` messages in a row is paused (admins resume it)."""
    return threshold > 0 and failures_in_row >= threshold


@dataclass(frozen=True)
class Rendered:
    """One event rendered for one recipient."""

    event_type: str
    subject: str
    text: str
    html: str


def combine(items: list[Rendered], language: str, kind: str) -> Rendered:
    """One message out of many: a single item as it is, else a list under a count."""
    if len(items) == 1:
        return items[0]
    types = {i.event_type for i in items}
    only = next(iter(types)) if len(types) == 1 else None
    count = len(items)
    if language == "zh-CN":
        what = label(only, language) if only else "通知"
        prefix = "每日摘要 " if kind == "digest" else ""
        subject = f"{prefix}{count} 条{what}"
        more = f"……另有 {count - MAX_BATCH_LINES} 条" if count > MAX_BATCH_LINES else ""
    else:
        what = label(only, language) if only else "notifications"
        prefix = "Daily digest: " if kind == "digest" else ""
        subject = f"{prefix}{what} ({count})"
        more = f"... and {count - MAX_BATCH_LINES} more" if count > MAX_BATCH_LINES else ""
    shown = items[:MAX_BATCH_LINES]
    text = "\n".join(f"- {i.subject}" for i in shown) + (f"\n{more}" if more else "")
    body = "".join(f"<li>{html.escape(i.subject)}</li>" for i in shown)
    html_text = f"<h3>{html.escape(subject)}</h3><ul>{body}</ul>" + (
        f"<p>{html.escape(more)}</p>" if more else ""
    )
    return Rendered(only or "", subject, text, html_text)
