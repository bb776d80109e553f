"""Chat robot channels: a team's WeCom, DingTalk, Feishu/Lark, Slack or Teams webhook robot.

Each provider is a small adapter that turns a message into the provider's
request (URL, JSON body, signature) and reads the provider's answer; they all
send over the one outbound mechanism (``outbound.http_delivery``), so the SSRF
policy, timeouts and size caps are the same for every robot.

A robot's address is its webhook URL, plus the signing secret for the
providers that have a signed mode (DingTalk 加签, Feishu 签名校验) and people
to mention. It is stored as a small JSON object.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from ..outbound import http_delivery


@dataclass(frozen=True)
class ChatMessage:
    """What a robot posts: a title and plain text, optionally Markdown and a link."""

    title: str
    text: str
    markdown: str | None = None
    link: str | None = None


@dataclass(frozen=True)
class RobotAddress:
    """Where one robot lives: its webhook URL, secret (signed mode) and mentions."""

    url: str
    secret: str | None = None
    mention_mobiles: tuple[str, ...] = ()
    mention_user_ids: tuple[str, ...] = ()
    mention_all: bool = False

    @classmethod
    def parse(cls, value: str | Mapping[str, Any]) -> RobotAddress:
        """From a URL, a JSON object text, or a mapping (``url``, ``secret``, ``mention_*``)."""
        if isinstance(value, str):
            text = value.strip()
            if not text.startswith("{"):
                return cls(url=text)
            value = json.loads(text)
        if not isinstance(value, Mapping) or not isinstance(value.get("url"), str):
            raise ValueError("a robot address needs a url")
        secret = value.get("secret")
        return cls(
            url=value["url"],
            secret=str(secret) if secret else None,
            mention_mobiles=tuple(str(m) for m in value.get("mention_mobiles") or ()),
            mention_user_ids=tuple(str(m) for m in value.get("mention_user_ids") or ()),
            mention_all=bool(value.get("mention_all", False)),
        )

    def as_dict(self) -> dict[str, Any]:
        """The stored JSON form."""
        return {
            "url": self.url,
            "secret": self.secret,
            "mention_mobiles": list(self.mention_mobiles),
            "mention_user_ids": list(self.mention_user_ids),
            "mention_all": self.mention_all,
        }


@dataclass(frozen=True)
class RobotRequest:
    """The provider request an adapter built: POST ``body`` as JSON to ``url``."""

    url: str
    body: dict[str, Any]

    def encoded(self) -> bytes:
        """The JSON body as UTF-8 (Chinese text stays readable, not ``\\u`` escapes)."""
        return json.dumps(self.body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@dataclass(frozen=True)
class RobotOutcome:
    """How one post went: delivered, or why not and whether a retry may help."""

    ok: bool
    retryable: bool
    detail: str
    status: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class Adapter(Protocol):
    """One provider: builds its request and reads its answer."""

    name: str

    def build(self, message: ChatMessage, address: RobotAddress, now: float) -> RobotRequest:
        """The provider's request for ``message`` at Unix time ``now`` (signatures use it)."""
        ...

    def read(self, answer: http_delivery.Answer) -> RobotOutcome:
        """Whether the provider accepted the post."""
        ...


def truncate_utf8(text: str, limit_bytes: int, marker: str = "…") -> str:
    """``text`` cut to at most ``limit_bytes`` of UTF-8, never mid-character."""
    data = text.encode("utf-8")
    if len(data) <= limit_bytes:
        return text
    room = limit_bytes - len(marker.encode("utf-8"))
    return data[: max(room, 0)].decode("utf-8", errors="ignore") + marker


def http_outcome(answer: http_delivery.Answer) -> RobotOutcome | None:
    """The outcome any provider shares for a non-2xx answer (None when 2xx)."""
    if answer.ok:
        return None
    retryable = answer.status == 429 or answer.status >= 500
    return RobotOutcome(
        False, retryable, f"HTTP {answer.status}: {answer.text(300)}", answer.status
    )


def errcode_outcome(
    answer: http_delivery.Answer, code_keys: tuple[str, ...], retry_codes: frozenset[int]
) -> RobotOutcome:
    """Read a ``{"errcode": 0, "errmsg": ...}``-style answer (WeCom, DingTalk, Feishu)."""
    failed = http_outcome(answer)
    if failed is not None:
        return failed
    body = answer.json()
    if not isinstance(body, dict):
        return RobotOutcome(False, True, f"unexpected answer: {answer.text(300)}", answer.status)
    code = next((body[k] for k in code_keys if k in body), None)
    message = str(body.get("errmsg") or body.get("msg") or body.get("StatusMessage") or "")
    if code is None:
        return RobotOutcome(False, False, f"unexpected answer: {answer.text(300)}", answer.status)
    if code == 0:
        return RobotOutcome(True, False, message or "ok", answer.status)
    retryable = isinstance(code, int) and code in retry_codes
    return RobotOutcome(False, retryable, f"error {code}: {message}", answer.status, {"code": code})


class RobotChannel:
    """A chat robot channel: ``deliver(message, address)`` over the outbound mechanism."""

    kind: ClassVar[str] = "chat_robot"

    def __init__(
        self,
        adapter: Adapter,
        policy: http_delivery.Policy | None = None,
        *,
        resolver: http_delivery.Resolver = http_delivery.system_resolver,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.adapter = adapter
        self.name = adapter.name
        self.policy = policy or http_delivery.Policy()
        self.resolver = resolver
        self.clock = clock

    def deliver(self, message: ChatMessage, address: str | Mapping[str, Any]) -> RobotOutcome:
        """Post ``message`` to the robot at ``address``; never raises for a delivery failure."""
        try:
            robot = RobotAddress.parse(address)
        except ValueError as exc:
            return RobotOutcome(False, False, f"bad robot address: {exc}")
        request = self.adapter.build(message, robot, self.clock())
        try:
            answer = http_delivery.send(
                "POST",
                request.url,
                body=request.encoded(),
                headers={"Content-Type": "application/json; charset=utf-8"},
                policy=self.policy,
                resolver=self.resolver,
            )
        except http_delivery.DeliveryRefused as exc:
            return RobotOutcome(False, False, f"refused: {exc.reason}")
        except http_delivery.DeliveryFailed as exc:
            return RobotOutcome(False, True, exc.reason)
        return self.adapter.read(answer)


class RegisteredRobot:
    """A chat robot as the channel registry sees it: ``deliver(OutboundMessage, address)``.

    The address is the robot the user (or the admin, for a team) set in the
    preferences: its webhook URL, or the JSON object with its secret.
    """

    def __init__(self, adapter: Adapter, policy: http_delivery.Policy | None = None) -> None:
        self.name = adapter.name
        self.robot = RobotChannel(adapter, policy)

    def deliver(self, message: Any, recipient_address: str) -> Any:
        """Post the rendered message; the provider's answer is the delivery result."""
        from .base import DeliveryResult

        chat = ChatMessage(title=message.subject, text=message.text)
        outcome = self.robot.deliver(chat, recipient_address)
        return DeliveryResult(ok=outcome.ok, answer=outcome.detail, retryable=outcome.retryable)


def registered(adapter: Adapter, settings: dict[str, Any]) -> RegisteredRobot:
    """The registry's channel for ``adapter`` under the deployment's outbound policy."""
    from ..rules.ssrf import AllowList
    from ..webhooks import settings as outbound_settings

    config = outbound_settings()
    policy = http_delivery.Policy(
        allow=AllowList.parse(config["allow"]),
        connect_timeout=config["connect_timeout"],
        read_timeout=config["read_timeout"],
        max_response_bytes=config["max_response_bytes"],
    )
    return RegisteredRobot(adapter, policy)
