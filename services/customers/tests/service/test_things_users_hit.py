"""What users hit (issue 13): phones, duplicates, archive and erasure, current recycle deadlines,
and the new events (tier changes, contacts, credit ratings, late ticket ratings)."""

from __future__ import annotations

import io
import json
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from customers.models import DEFAULT_POOL_ID, Contact, Customer

from ..conftest import backdate, create, pooled

DEFAULT_POOL = str(DEFAULT_POOL_ID)


def url(customer, suffix=""):
    return f"/api/v1/customers/{customer['id']}{suffix}"


def _parse(value):
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_phones_are_read_in_the_customers_country_and_kept_unverified_otherwise(svc):
    rep = svc.user()
    cn = create(svc, rep, name="Shanghai Tea", country="CN", phone="021 6888 8888")
    assert cn["phone"] == "+862168888888" and cn["phone_verified"] is True
    odd = create(svc, rep, name="Odd Ltd", phone="ask reception")
    assert odd["phone"] == "ask reception" and odd["phone_verified"] is False


def test_customers_are_found_by_their_or_a_contacts_phone_in_any_format(svc):
    rep = svc.user()
    a = create(svc, rep, name="Beijing Bikes", country="CN", phone="138 0013 8000")
    b = create(
        svc,
        rep,
        name="Hangzhou Silk",
        country="CN",
        contacts=[{"name": "Wang", "phone": "139-0013-9000"}],
    )
    create(svc, rep, name="Other", country="CN", phone="13700137000")
    for typed, expected in (
        ("+86 138 0013 8000", a["id"]),
        ("+8613800138000", a["id"]),
        ("+86 139 0013 9000", b["id"]),
    ):
        found = svc.client.get(
            "/api/v1/customers", query_string={"q": typed}, headers=rep.headers
        ).json["items"]
        assert [c["id"] for c in found] == [expected], typed


def test_emails_are_trimmed_before_they_are_checked(svc):
    rep = svc.user()
    made = create(svc, rep, name="Trim Co", email="  Sales@Trim.example \t")
    assert made["email"] == "sales@trim.example"
    contact = svc.client.post(
        url(made, "/contacts"),
        json={"name": "Li", "email": " li@trim.example "},
        headers=rep.headers,
    )
    assert contact.status_code == 201, contact.json
    assert contact.json["email"] == "li@trim.example"


def test_a_duplicate_customer_is_refused_naming_the_one_the_caller_sees(svc):
    rep = svc.user(team_id=uuid.uuid4())
    first = create(svc, rep, name="Analytical Engines", email="info@ae.example")
    again = svc.client.post(
        "/api/v1/customers",
        json={"name": "  analytical   ENGINES ", "email": "INFO@ae.example"},
        headers=rep.headers,
    )
    assert again.status_code == 409, again.json
    assert again.json["existing_id"] == first["id"]
    by_phone_first = create(svc, rep, name="Looms", phone="+33 4 72 00 00 00")
    by_phone = svc.client.post(
        "/api/v1/customers", json={"name": "LOOMS", "phone": "+33472000000"}, headers=rep.headers
    )
    assert by_phone.status_code == 409 and by_phone.json["existing_id"] == by_phone_first["id"]
    # Another rep who cannot see it learns only that a duplicate exists.
    stranger = svc.user(team_id=uuid.uuid4())
    hidden = svc.client.post(
        "/api/v1/customers",
        json={"name": "Analytical Engines", "email": "info@ae.example"},
        headers=stranger.headers,
    )
    assert hidden.status_code == 409
    assert "existing_id" not in hidden.json and first["id"] not in str(hidden.json)
    # Saying it is another customer creates it.
    forced = create(
        svc, rep, name="Analytical Engines", email="info@ae.example", different_customer=True
    )
    assert forced["id"] != first["id"]
    # Same name alone, or same email under another name, is not a duplicate.
    create(svc, rep, name="Analytical Engines")
    create(svc, rep, name="Babbage & Co", email="info@ae.example")


def test_archived_customers_leave_the_lists_and_cannot_be_claimed(svc):
    admin, rep = svc.user("admin"), svc.user()
    customer = pooled(svc, admin, name="Archive Me")
    archived = svc.client.post(url(customer, "/archive"), headers=admin.headers)
    assert archived.status_code == 200 and archived.json["archived_at"] is not None
    listed = svc.client.get("/api/v1/customers", headers=admin.headers).json["items"]
    assert customer["id"] not in [c["id"] for c in listed]
    only = svc.client.get(
        "/api/v1/customers", query_string={"archived": "true"}, headers=admin.headers
    ).json["items"]
    assert [c["id"] for c in only] == [customer["id"]]
    assert svc.client.post(url(customer, "/claim"), headers=rep.headers).status_code in (404, 409)
    restored = svc.client.post(url(customer, "/restore"), headers=admin.headers)
    assert restored.status_code == 200 and restored.json["archived_at"] is None
    assert svc.client.post(url(customer, "/claim"), headers=rep.headers).status_code == 200


def test_an_archived_customer_is_not_recycled(svc):
    rep = svc.user()
    customer = create(svc, rep, name="Quiet Co")
    svc.client.post(url(customer, "/archive"), headers=rep.headers)
    backdate(svc, customer["id"], 400)
    svc.run_job("recycle")
    with svc.db.session() as session:
        row = session.get(Customer, uuid.UUID(customer["id"]))
        assert row.owner_id == rep.id


def test_an_admin_erases_a_customer_and_its_contacts(svc):
    rep, admin = svc.user(), svc.user("admin")
    customer = create(
        svc,
        rep,
        name="Ada Lovelace",
        kind="person",
        email="ada@example.com",
        phone="+442079460958",
        address_line="12 St James's Square",
        contacts=[{"name": "Ada", "email": "ada@example.com", "phone": "+442079460958"}],
    )
    assert svc.client.post(url(customer, "/erase"), headers=rep.headers).status_code == 403
    erased = svc.client.post(url(customer, "/erase"), headers=admin.headers)
    assert erased.status_code == 200, erased.json
    body = erased.json
    assert body["name"] == "(erased)" and body["email"] is None and body["phone"] is None
    assert body["address_line"] is None and body["erased_at"] is not None
    with svc.db.session() as session:
        [contact] = session.scalars(select(Contact)).all()
        assert (contact.name, contact.email, contact.phone) == ("(erased)", None, None)
    [event] = svc.events("customer.erased")
    assert event["data"]["customer_id"] == customer["id"]
    assert event["data"]["contact_ids"] == [str(contact.id)]
    svc.client.post(url(customer, "/erase"), headers=admin.headers)
    assert len(svc.events("customer.erased")) == 1


def test_lead_erased_blanks_what_was_copied_from_the_lead(svc):
    rep = svc.user()
    lead_id = str(uuid.uuid4())
    svc.deliver(
        svc.event(
            "lead.qualified",
            {
                "lead_id": lead_id,
                "name": "Ada Lovelace",
                "email": "ada@example.com",
                "phone": "+442079460958",
                "company": "Analytical Engines",
                "owner_id": str(rep.id),
                "qualified_at": "2026-11-20T09:00:00Z",
            },
        )
    )
    erased = svc.event("lead.erased", {"lead_id": lead_id, "erased_at": "2026-12-01T00:00:00Z"})
    assert svc.deliver(erased)
    with svc.db.session() as session:
        customer = session.scalar(select(Customer).where(Customer.lead_id == uuid.UUID(lead_id)))
        assert customer.name == "Analytical Engines"  # the company account stays
        assert customer.email is None and customer.phone is None
        [contact] = session.scalars(select(Contact)).all()
        assert contact.name == "(erased)" and contact.email is None
    updated = svc.events("contact.updated")
    assert updated and updated[-1]["data"]["name"] == "(erased)"


def test_a_lead_erased_before_its_qualification_is_handled_never_shows_its_person(svc):
    """A retried lead.qualified can arrive after lead.erased: the customer starts blanked."""
    rep = svc.user()
    company_lead, person_lead = str(uuid.uuid4()), str(uuid.uuid4())
    for lead_id in (company_lead, person_lead):
        for _ in range(2):  # the same fact twice (under two event ids) changes nothing
            data = {"lead_id": lead_id, "erased_at": "2026-12-01T00:00:00Z"}
            assert svc.deliver(svc.event("lead.erased", data))
    for lead_id, company in ((company_lead, "Analytical Engines"), (person_lead, None)):
        svc.deliver(
            svc.event(
                "lead.qualified",
                {
                    "lead_id": lead_id,
                    "name": "Ada Lovelace",
                    "email": "ada@example.com",
                    "phone": "+442079460958",
                    "company": company,
                    "owner_id": str(rep.id),
                    "qualified_at": "2026-11-20T09:00:00Z",
                },
            )
        )
    with svc.db.session() as session:
        account = session.scalar(
            select(Customer).where(Customer.lead_id == uuid.UUID(company_lead))
        )
        person = session.scalar(select(Customer).where(Customer.lead_id == uuid.UUID(person_lead)))
        assert account.name == "Analytical Engines"  # the company account stays
        assert (account.email, account.phone) == (None, None)
        assert (person.name, person.email, person.phone) == ("(erased)", None, None)
        [contact] = session.scalars(select(Contact)).all()
        assert (contact.name, contact.email, contact.phone) == ("(erased)", None, None)
    published = json.dumps(svc.events("customer.created") + svc.events("contact.created"))
    assert "Ada" not in published and "ada@example.com" not in published
    assert "+442079460958" not in published


def test_recycle_due_at_is_set_on_claim_moved_by_follow_ups_and_by_rule_changes(svc):
    admin, rep = svc.user("admin"), svc.user()
    customer = pooled(svc, admin, name="Clockwork")
    claimed = svc.client.post(url(customer, "/claim"), headers=rep.headers).json
    assert claimed["recycle_due_at"] is not None and claimed["recycle_rule"] == "no_followup"
    due = _parse(claimed["recycle_due_at"])
    assert timedelta(days=29) < due - datetime.now(UTC) <= timedelta(days=30)
    # Owned for 20 days already: a follow-up now moves the deadline from day 30 to now + 30.
    backdate(svc, customer["id"], 20)
    logged = svc.client.post(
        url(customer, "/followups"),
        json={"kind": "call", "content": "caught up"},
        headers=rep.headers,
    )
    assert logged.status_code == 201, logged.json
    now = datetime.now(UTC)
    after_followup = _parse(
        svc.client.get(url(customer), headers=rep.headers).json["recycle_due_at"]
    )
    assert abs((after_followup - (now + timedelta(days=30))).total_seconds()) < 60
    changed = svc.client.patch(
        f"/api/v1/pools/{DEFAULT_POOL}",
        json={"rules": {"no_followup": {"enabled": True, "days": 10}}},
        headers=admin.headers,
    )
    assert changed.status_code == 200, changed.json
    shown = svc.client.get(url(customer), headers=rep.headers).json
    assert abs((_parse(shown["recycle_due_at"]) - (now + timedelta(days=10))).total_seconds()) < 60
    listed = svc.client.get("/api/v1/customers", headers=rep.headers).json["items"]
    assert listed[0]["recycle_due_at"] == shown["recycle_due_at"]


def test_contact_events_carry_the_whole_current_state(svc):
    rep = svc.user()
    customer = create(svc, rep, name="Events Co", contacts=[{"name": "First"}])
    [first] = svc.events("contact.created")
    assert first["data"]["name"] == "First" and first["data"]["is_primary"] is True
    assert first["data"]["owner_id"] == str(rep.id)
    second = svc.client.post(
        url(customer, "/contacts"),
        json={"name": "Second", "phone": "+44 20 7946 0958", "is_primary": True},
        headers=rep.headers,
    ).json
    created = svc.events("contact.created")[-1]["data"]
    assert created["contact_id"] == second["id"] and created["phone"] == "+442079460958"
    # The old primary learns it is no longer primary.
    demoted = [e["data"] for e in svc.events("contact.updated")]
    assert demoted and demoted[-1]["contact_id"] == first["data"]["contact_id"]
    assert demoted[-1]["is_primary"] is False
    svc.client.patch(f"/api/v1/contacts/{second['id']}", json={"title": "CEO"}, headers=rep.headers)
    last = svc.events("contact.updated")[-1]["data"]
    assert last["contact_id"] == second["id"] and last["title"] == "CEO"
    assert last["name"] == "Second" and last["is_primary"] is True


def test_imported_contacts_are_announced(svc):
    rep = svc.user()
    data = "name,email,contact_name,contact_email\nImport Co,hi@imp.example,Li,li@imp.example\n"
    svc.client.post(
        "/api/v1/customers/imports",
        data={"file": (io.BytesIO(data.encode()), "c.csv")},
        content_type="multipart/form-data",
        headers=rep.headers,
    )
    svc.run_job("import-customers")
    [event] = svc.events("contact.created")
    assert event["data"]["email"] == "li@imp.example"


def test_a_tier_change_is_published_only_when_the_tier_changes(svc):
    rep = svc.user()
    customer = create(svc, rep, name="Tiered")

    def open_ticket(n):
        svc.deliver(
            svc.event(
                "ticket.opened",
                {
                    "ticket_id": str(uuid.uuid4()),
                    "customer_id": customer["id"],
                    "subject": f"broken {n}",
                    "opened_at": "2026-12-01T09:00:00Z",
                },
            )
        )

    open_ticket(1)
    open_ticket(2)
    assert svc.events("customer.tier_changed") == []  # refreshed, still potential
    open_ticket(3)  # three open tickets: at risk
    svc.run_job("tiers")
    open_ticket(4)
    [change] = svc.events("customer.tier_changed")
    assert change["data"]["tier"] == "at_risk"
    assert change["data"]["previous_tier"] == "potential"
    assert change["data"]["owner_id"] == str(rep.id)
    assert svc.client.get(url(customer), headers=rep.headers).json["tier"] == "at_risk"


def test_credit_ratings_and_late_ticket_ratings_reach_the_360_view(svc):
    rep = svc.user()
    customer = create(svc, rep, name="Rated")

    def credit(risk, at):
        return svc.event(
            "customer.credit_rated",
            {
                "customer_id": customer["id"],
                "currency": "CNY",
                "risk": risk,
                "overdue": "1200.00",
                "rated_at": at,
            },
        )

    assert svc.deliver(credit("high", "2026-12-02T00:00:00Z"))
    assert svc.deliver(credit("low", "2026-11-01T00:00:00Z"))  # older, arrives late
    ticket_id = str(uuid.uuid4())
    svc.deliver(
        svc.event(
            "ticket.rated",
            {
                "ticket_id": ticket_id,
                "customer_id": customer["id"],
                "rating": 2,
                "rated_at": "2026-12-02T10:00:00Z",
            },
        )
    )
    svc.deliver(
        svc.event(
            "ticket.closed",
            {
                "ticket_id": ticket_id,
                "customer_id": customer["id"],
                "closed_at": "2026-12-01T10:00:00Z",
                "satisfaction": 5,
            },
        )
    )
    view = svc.client.get(url(customer, "/360"), headers=rep.headers).json
    assert view["credit"]["risk"] == "high" and view["credit"]["overdue"] == "1200.00"
    assert view["tickets"]["recent"][0]["satisfaction"] == 2
