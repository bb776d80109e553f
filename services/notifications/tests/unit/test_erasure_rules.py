"""Unit tests: what refers to an erased person, and what of it stays."""

import uuid

from hypothesis import given
from hypothesis import strategies as st

from notifications.rules.erasure import erased_ids, is_scrubbed, refers_to, scrubbed

names = st.text(min_size=1, max_size=20)


def test_an_erase_event_names_the_customer_its_contacts_and_its_lead():
    c, k, lead = (str(uuid.uuid4()) for _ in range(3))
    data = {"customer_id": c, "contact_ids": [k], "lead_id": lead, "erased_at": "x"}
    assert erased_ids("customer.erased", data) == [
        ("customer", c),
        ("contact", k),
        ("lead", lead),
    ]
    assert erased_ids("lead.erased", {"lead_id": lead}) == [("lead", lead)]
    assert erased_ids("customer.assigned", data) == []


@given(name=names, phone=names, nested=st.booleans())
def test_data_naming_an_erased_id_anywhere_refers_to_it(name, phone, nested):
    erased = str(uuid.uuid4())
    data = {"name": name, "phone": phone}
    data["items" if nested else "contact_id"] = [{"contact_id": erased}] if nested else erased
    assert refers_to(data, {erased})
    assert not refers_to(data, {str(uuid.uuid4())})
    assert not refers_to(data, set())


@given(name=names, email=names)
def test_scrubbing_keeps_only_ids_and_times_and_is_stable(name, email):
    data = {"customer_id": "c", "contact_ids": ["k"], "name": name, "email": email, "at": 1}
    data["assigned_at"] = "2026-12-03T02:00:00Z"
    out = scrubbed(data)
    assert out == {
        "customer_id": "c",
        "contact_ids": ["k"],
        "assigned_at": "2026-12-03T02:00:00Z",
        "erased": True,
    }
    assert is_scrubbed(out) and not is_scrubbed(data)
    assert scrubbed(out) == out
