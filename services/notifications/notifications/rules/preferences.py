"""A user's choices: which channels per event type, quiet hours, the daily digest."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from .catalog import DEFAULT_CHANNELS, IN_APP, LANGUAGES

CLOCK = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


@dataclass(frozen=True)
class Choices:
    """What a user chose (or the defaults): the rules read only this."""

    language: str = "zh-CN"
    timezone: str = "Asia/Shanghai"
    quiet_start: str | None = None
    quiet_end: str | None = None
    digest: bool = False
    digest_hour: int = 9
    channels: Mapping[str, Mapping[str, bool]] = field(default_factory=dict)


def channels_for(choices: Choices, event_type: str, available: Iterable[str]) -> list[str]:
    """The channels ``event_type`` reaches this user on: defaults, then their own switches."""
    own = choices.channels.get(event_type, {})
    chosen = []
    for channel in available:
        default = channel in DEFAULT_CHANNELS
        if own.get(channel, default):
            chosen.append(channel)
    return chosen


def zone(name: str) -> ZoneInfo:
    """The time zone, or Asia/Shanghai when the name is unknown here."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("Asia/Shanghai")


def _clock(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def quiet_until(choices: Choices, now: datetime) -> datetime | None:
    """When the user's quiet hours end, if ``now`` (aware) falls in them; else None.

    Quiet hours may wrap midnight (22:00-08:00). Start equal to end means none.
    """
    if not choices.quiet_start or not choices.quiet_end:
        return None
    start, end = _clock(choices.quiet_start), _clock(choices.quiet_end)
    if start == end:
        return None
    local = now.astimezone(zone(choices.timezone))
    t = local.time()
    if start < end:
        inside = start <= t < end
        end_day = local.date()
    else:  # wraps midnight
        inside = t >= start or t < end
        end_day = local.date() + timedelta(days=1) if t >= start else local.date()
    if not inside:
        return None
    ends = datetime.combine(end_day, end, tzinfo=local.tzinfo)
    return ends.astimezone(now.tzinfo)


def next_digest(choices: Choices, now: datetime) -> datetime:
    """The next time the user's daily digest goes out: ``digest_hour`` o'clock, local time."""
    local = now.astimezone(zone(choices.timezone))
    at = datetime.combine(local.date(), time(choices.digest_hour), tzinfo=local.tzinfo)
    if at <= local:
        at = datetime.combine(
            local.date() + timedelta(days=1), time(choices.digest_hour), tzinfo=local.tzinfo
        )
    return at.astimezone(now.tzinfo)


def due_at(
    choices: Choices, channel: str, now: datetime, batch_seconds: float
) -> tuple[datetime, str | None]:
    """When a message on ``channel`` may go, and why it is held (``digest``, ``quiet_hours``).

    Outside the app a message waits the batching window (so a flood becomes
    one message); a digest user's waits for the digest; quiet hours push
    either to their end. In-app entries are never held: the bell is silent.
    """
    if channel == IN_APP:
        return now, None
    if choices.digest:
        at, held = next_digest(choices, now), "digest"
    else:
        at, held = now + timedelta(seconds=batch_seconds), None
    quiet = quiet_until(choices, at)
    if quiet is not None:
        return quiet, "quiet_hours"
    return at, held


def preference_errors(
    data: Mapping[str, object], known_types: Iterable[str], known_channels: Iterable[str]
) -> dict[str, str]:
    """Field errors of a preferences update (empty when it is fine)."""
    errors: dict[str, str] = {}
    types, channels = set(known_types), set(known_channels)
    language = data.get("language")
    if language is not None and language not in LANGUAGES:
        errors["language"] = f"must be one of {', '.join(LANGUAGES)}"
    tz = data.get("timezone")
    if tz is not None and (not isinstance(tz, str) or tz not in _zones()):
        errors["timezone"] = "is not a known time zone (e.g. Asia/Shanghai)"
    for name in ("quiet_start", "quiet_end"):
        value = data.get(name)
        if value is not None and (not isinstance(value, str) or not CLOCK.match(value)):
            errors[name] = "must be HH:MM"
    if (data.get("quiet_start") is None) != (data.get("quiet_end") is None):
        errors.setdefault("quiet_end", "quiet hours need both a start and an end")
    per_type = data.get("channels")
    if isinstance(per_type, Mapping):
        for event_type, switches in per_type.items():
            if event_type not in types:
                errors[f"channels.{event_type}"] = "is not a known event type"
            elif isinstance(switches, Mapping):
                for channel in switches:
                    if channel not in channels:
                        errors[f"channels.{event_type}.{channel}"] = "is not a known channel"
    addresses = data.get("addresses")
    if isinstance(addresses, Mapping):
        for channel in addresses:
            if channel not in channels or channel == IN_APP:
                errors[f"addresses.{channel}"] = "is not a channel with addresses"
    return errors


_ZONES: set[str] = set()


def _zones() -> set[str]:
    if not _ZONES:
        _ZONES.update(available_timezones())
    return _ZONES
