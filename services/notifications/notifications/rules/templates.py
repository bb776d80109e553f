# ruff: noqa: E501, RUF001  (default templates read best one per line, in Chinese punctuation)
"""Templates: how each event reads, per language, rendered in Jinja2's sandbox.

A template sees the event's data as ``data`` (and each field by name), plus
``label`` (the event type's name) and ``link``. A template that fails to
render never drops the message: :func:`render` falls back to a plain text
made from the label and the data, and reports the error.
"""

from __future__ import annotations

import functools
import html
from dataclasses import dataclass
from typing import Any

from jinja2 import TemplateError, Undefined
from jinja2.sandbox import SandboxedEnvironment

from .catalog import label
from .delivery import Rendered

MAX_TEMPLATE = 20_000

_ENV = SandboxedEnvironment(undefined=Undefined, autoescape=False)
_HTML_ENV = SandboxedEnvironment(undefined=Undefined, autoescape=True)


@dataclass(frozen=True)
class Source:
    """A template's three parts; ``html`` None means "the text, as HTML"."""

    subject: str
    text: str
    html: str | None = None


def _zh_en(zh: tuple[str, str], en: tuple[str, str]) -> dict[str, Source]:
    return {"zh-CN": Source(*zh), "en": Source(*en)}


DEFAULTS: dict[str, dict[str, Source]] = {
    "lead.assigned": _zh_en(
        (
            "新线索分配给你",
            "一条线索已分配给你，请尽快跟进。{% if response_due_at %}请在 {{ response_due_at }} 前响应。{% endif %}",
        ),
        (
            "A lead was assigned to you",
            "A lead is yours now; please follow up.{% if response_due_at %} Respond by {{ response_due_at }}.{% endif %}",
        ),
    ),
    "task.reminder_due": _zh_en(
        (
            "任务提醒：{{ title }}",
            "任务「{{ title }}」将于 {{ due_at }} 到期。{% if customer_name %}客户：{{ customer_name }}{% endif %}",
        ),
        (
            "Reminder: {{ title }}",
            'Task "{{ title }}" is due at {{ due_at }}.{% if customer_name %} Customer: {{ customer_name }}{% endif %}',
        ),
    ),
    "customer.recycle_warning": _zh_en(
        (
            "客户即将回收到公海",
            "你的一位客户将于 {{ due_at }} 回收到公海（{{ reason }}），请及时跟进。",
        ),
        (
            "A customer goes back to the pool soon",
            "One of your customers returns to the pool at {{ due_at }} ({{ reason }}) unless you act.",
        ),
    ),
    "customer.recycled": _zh_en(
        ("客户已回收到公海", "你的一位客户已回收到公海：{{ reason }}。"),
        (
            "A customer went back to the pool",
            "One of your customers went back to the pool: {{ reason }}.",
        ),
    ),
    "customer.claimed": _zh_en(
        (
            "你曾负责的客户已被领取",
            "你曾负责的一位客户已于 {{ claimed_at }} 被其他同事从公海领取。",
        ),
        (
            "A customer you held was claimed",
            "A customer you held was claimed from the pool at {{ claimed_at }}.",
        ),
    ),
    "customer.assigned": _zh_en(
        ("客户分配变更", "一位客户的负责人已变更。{% if reason %}原因：{{ reason }}{% endif %}"),
        (
            "Customer owner changed",
            "A customer changed hands.{% if reason %} Reason: {{ reason }}{% endif %}",
        ),
    ),
    "approval.requested": _zh_en(
        ("待你审批：{{ title }}", "「{{ title }}」等待你审批（{{ step_name }}）。"),
        (
            "Awaiting your approval: {{ title }}",
            '"{{ title }}" awaits your decision ({{ step_name }}).',
        ),
    ),
    "approval.decided": _zh_en(
        (
            "审批结果：{{ title }}",
            "「{{ title }}」的审批结果：{{ status }}。{% if comment %}意见：{{ comment }}{% endif %}",
        ),
        (
            "Decision on {{ title }}",
            '"{{ title }}" was {{ status }}.{% if comment %} Comment: {{ comment }}{% endif %}',
        ),
    ),
    "payment.due_soon": _zh_en(
        (
            "回款将于 {{ due_on }} 到期",
            "一笔 {{ outstanding }} {{ currency }} 的回款将在 {{ days_left }} 天后（{{ due_on }}）到期。",
        ),
        (
            "Payment due on {{ due_on }}",
            "An installment of {{ outstanding }} {{ currency }} falls due in {{ days_left }} days ({{ due_on }}).",
        ),
    ),
    "payment.overdue": _zh_en(
        (
            "回款逾期 {{ days_overdue }} 天",
            "一笔 {{ outstanding }} {{ currency }} 的回款已逾期 {{ days_overdue }} 天（{{ step_name }}）。",
        ),
        (
            "Payment {{ days_overdue }} days overdue",
            "An installment of {{ outstanding }} {{ currency }} is {{ days_overdue }} days overdue ({{ step_name }}).",
        ),
    ),
    "ticket.assigned": _zh_en(
        ("新工单分配给你", "一张工单已分配给你。{% if reason %}原因：{{ reason }}{% endif %}"),
        (
            "A ticket was assigned to you",
            "A ticket is yours now.{% if reason %} Reason: {{ reason }}{% endif %}",
        ),
    ),
    "ticket.sla_warning": _zh_en(
        ("工单即将超时", "一张工单的{{ clock }}时限将于 {{ due_at }} 到期。"),
        ("A ticket's SLA runs out soon", "A ticket's {{ clock }} clock runs out at {{ due_at }}."),
    ),
    "ticket.sla_breached": _zh_en(
        ("工单已超时", "一张工单的{{ clock }}时限已于 {{ due_at }} 超时。"),
        ("A ticket breached its SLA", "A ticket's {{ clock }} clock ran out at {{ due_at }}."),
    ),
    "ticket.rated": _zh_en(
        ("客户评价了工单：{{ rating }} 分", "你的客户给一张工单打了 {{ rating }} 分。"),
        ("A customer rated a ticket {{ rating }}", "Your customer rated a ticket {{ rating }}."),
    ),
    "target.approved": _zh_en(
        (
            "目标已批准：{{ period }}",
            "你 {{ period }} 的目标（{{ metric }}）已批准：{{ target }}。",
        ),
        (
            "Target approved for {{ period }}",
            "Your {{ period }} target ({{ metric }}) was approved: {{ target }}.",
        ),
    ),
    "payout.approved": _zh_en(
        ("提成已批准：{{ period }}", "你 {{ period }} 的提成 {{ amount }} {{ currency }} 已批准。"),
        (
            "Payout approved for {{ period }}",
            "Your {{ period }} payout of {{ amount }} {{ currency }} was approved.",
        ),
    ),
}

SYSTEM = {
    "notifications.channel_paused": _zh_en(
        (
            "通知渠道 {{ channel }} 已暂停",
            "渠道 {{ channel }} 连续失败已暂停：{{ reason }}。修复后请在管理界面恢复。",
        ),
        (
            "Channel {{ channel }} paused",
            "Channel {{ channel }} kept failing and is paused: {{ reason }}. Resume it once fixed.",
        ),
    ),
    # An automation rule's notify action: its own message, under the rule's name.
    "automation.notice": _zh_en(("{{ rule }}", "{{ message }}"), ("{{ rule }}", "{{ message }}")),
}


def syntax_error(source: str) -> str | None:
    """Why ``source`` is not a template, or None when it parses."""
    if len(source) > MAX_TEMPLATE:
        return f"is longer than {MAX_TEMPLATE} characters"
    try:
        _ENV.parse(source)
    except TemplateError as exc:
        return f"does not parse: {exc}"
    return None


def context(
    event_type: str, data: dict[str, Any], language: str, link: str | None
) -> dict[str, Any]:
    """What a template sees."""
    return {**data, "data": data, "label": label(event_type, language), "link": link}


@functools.lru_cache(maxsize=1024)
def _compiled(source: str, as_html: bool) -> Any:
    # Compiling is most of a render's cost; a flood renders the same few sources.
    return (_HTML_ENV if as_html else _ENV).from_string(source)


def render_strict(source: Source, values: dict[str, Any]) -> tuple[str, str, str]:
    """Subject, text and HTML; raises the template's error (for saving and previews)."""
    subject = _compiled(source.subject, False).render(values).strip()
    text = _compiled(source.text, False).render(values).strip()
    if source.html:
        html_text = _compiled(source.html, True).render(values)
    else:
        html_text = "<p>" + html.escape(text).replace("\n", "<br>") + "</p>"
    return " ".join(subject.split())[:300], text, html_text


def fallback(event_type: str, data: dict[str, Any], language: str) -> Rendered:
    """Plain text from the label and the data: what is sent when a template fails."""
    name = label(event_type, language)
    lines = [f"{k}: {v}" for k, v in sorted(data.items()) if isinstance(v, str | int | float)]
    text = "\n".join(lines[:30])
    return Rendered(
        event_type, name, text, "<p>" + html.escape(text).replace("\n", "<br>") + "</p>"
    )


def render(
    event_type: str,
    source: Source | None,
    data: dict[str, Any],
    language: str,
    link: str | None,
) -> tuple[Rendered, str | None]:
    """The rendered event and the template's error (None when it rendered)."""
    if source is None:
        return fallback(event_type, data, language), None
    try:
        subject, text, html_text = render_strict(source, context(event_type, data, language, link))
    except Exception as exc:  # any template failure: never drop the message
        return fallback(event_type, data, language), f"{type(exc).__name__}: {exc}"[:1000]
    return Rendered(event_type, subject, text, html_text), None
