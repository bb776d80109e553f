"""Per-aggregate order is not guaranteed: replay events shuffled and repeated, compare states.

The bus delivers at least once and in no promised order (a retried event
goes behind newer ones; two consumers race). A service's handlers must
therefore leave the same state whatever the order, and however often an
event, or the same fact under a new id, arrives. :func:`check_order_independence`
delivers a list of events in order to one fresh harness and shuffled, with
repeats, to others, and compares what ``state`` reads from each.
"""

from __future__ import annotations

import dataclasses
import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..events import Event
from .harness import ServiceHarness


@dataclass
class OrderCheck:
    """The ordered replay's state and each shuffled replay's, with its sequence."""

    expected: Any
    runs: list[tuple[list[Event], Any]] = field(default_factory=list)

    def differing(self) -> list[tuple[list[Event], Any]]:
        """The shuffled replays whose final state differs from the ordered one."""
        return [(sequence, state) for sequence, state in self.runs if state != self.expected]

    def assert_same(self) -> None:
        """Raise AssertionError naming the first order that left another state."""
        bad = self.differing()
        if bad:
            sequence, state = bad[0]
            order = ", ".join(f"{e.type}@{e.time.isoformat()}" for e in sequence)
            raise AssertionError(
                f"{len(bad)} of {len(self.runs)} shuffled replays differ from the ordered one;"
                f"\n  order: {order}\n  expected: {self.expected!r}\n  got:      {state!r}"
            )


def shuffled_with_repeats(
    events: Sequence[Event], rng: random.Random, *, repeats: float = 0.3, reissue: bool = True
) -> list[Event]:
    """``events`` shuffled, some delivered twice, some again under a new id (a republished fact)."""
    extra = rng.sample(list(events), k=max(1, int(len(events) * repeats))) if events else []
    sequence = list(events) + extra
    if reissue and events:
        again = rng.choice(list(events))
        sequence.append(dataclasses.replace(again, id=str(uuid.uuid4())))
    rng.shuffle(sequence)
    return sequence


def check_order_independence(
    make_harness: Callable[[], ServiceHarness],
    events: Sequence[Event],
    state: Callable[[ServiceHarness], Any],
    *,
    runs: int = 5,
    seed: int = 13,
    reissue: bool = True,
) -> OrderCheck:
    """Deliver ``events`` in order, then shuffled with repeats ``runs`` times, to fresh harnesses.

    ``events`` must be in the order they happened; ``state`` reads what a
    user would see (an API answer or the rows behind it). Returns an
    :class:`OrderCheck`; call :meth:`OrderCheck.assert_same`.
    """
    ordered = make_harness()
    for event in events:
        ordered.deliver(event)
    check = OrderCheck(expected=state(ordered))
    rng = random.Random(seed)
    for _run in range(runs):
        harness = make_harness()
        sequence = shuffled_with_repeats(events, rng, reissue=reissue)
        for event in sequence:
            harness.deliver(event)
        check.runs.append((sequence, state(harness)))
    return check
