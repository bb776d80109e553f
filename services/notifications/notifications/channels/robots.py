"""The chat robot adapters by name, for the channel registry."""

from __future__ import annotations

from .dingtalk import DingTalkAdapter
from .feishu import FeishuAdapter
from .robot import Adapter
from .slack import SlackAdapter
from .teams import TeamsAdapter
from .wecom import WeComAdapter

ADAPTERS: dict[str, Adapter] = {
    adapter.name: adapter
    for adapter in (
        WeComAdapter(),
        DingTalkAdapter(),
        FeishuAdapter(),
        SlackAdapter(),
        TeamsAdapter(),
    )
}
