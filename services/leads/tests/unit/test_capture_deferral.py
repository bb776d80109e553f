"""Which captures leave their activity and event to the relay (leads.capture_events)."""

from __future__ import annotations

import uuid

import pytest

from leads.capture import Context, defers_events
from leads.capture_events import event_id_of


def _row(channel: str) -> dict:
    return {"channel": channel}


def test_a_plain_api_capture_is_derived_from_its_row():
    assert defers_events(_row("api"), Context(channel="api", actor_id=uuid.uuid4()))


@pytest.mark.parametrize(
    "ctx",
    [
        Context(channel="form", form=True, source="web"),
        Context(channel="api", campaign_id=uuid.uuid4()),
        Context(channel="api", utm={"utm_source": "mail"}),
        Context(channel="import", extra={"import_id": "j1"}),
    ],
)
def test_context_the_row_does_not_keep_is_written_with_the_lead(ctx):
    assert not defers_events(_row(ctx.channel), ctx)


def test_a_channel_given_in_the_body_that_differs_from_the_context_is_not_deferred():
    # The activity says the context's channel; the row keeps the body's.
    assert not defers_events(_row("partner"), Context(channel="api"))


def test_the_event_id_is_a_function_of_the_lead():
    lead = uuid.uuid4()
    assert event_id_of(lead) == event_id_of(lead)
    assert event_id_of(lead) != event_id_of(uuid.uuid4())
