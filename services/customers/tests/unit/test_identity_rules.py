"""Two customers are the same when the name matches and the email or the phone does."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from customers.rules.identity import name_key, same_customer


def test_names_compare_folded():
    assert name_key("  Analytical   ENGINES ") == name_key("analytical engines")
    # Full-width letters, as a CJK keyboard types them.
    assert name_key("\uff21\uff23\uff2d\uff25") == name_key("acme")
    assert name_key("上海 茶业") == name_key("上海  茶业")


def test_same_name_needs_the_same_email_or_phone():
    assert same_customer("Acme", "A@x.com", None, "acme", "a@x.com", None)
    assert same_customer("Acme", None, "+8613800138000", "ACME", None, "+8613800138000")
    assert not same_customer("Acme", None, None, "Acme", None, None)
    assert not same_customer("Acme", "a@x.com", None, "Other", "a@x.com", None)
    assert not same_customer("Acme", "a@x.com", None, "Acme", "b@x.com", None)


names = st.text(min_size=1, max_size=30)
emails = st.none() | st.emails()
phones = st.none() | st.from_regex(r"\+861[3-9][0-9]{9}", fullmatch=True)


@given(names, emails, phones, names, emails, phones)
def test_sameness_is_symmetric(n1, e1, p1, n2, e2, p2):
    assert same_customer(n1, e1, p1, n2, e2, p2) == same_customer(n2, e2, p2, n1, e1, p1)


@given(names, emails, phones)
def test_a_customer_with_an_email_or_phone_matches_itself(name, email, phone):
    expected = bool(name_key(name)) and bool(email or phone)
    assert same_customer(name, email, phone, name.upper(), email, phone) == (
        expected and name_key(name) == name_key(name.upper())
    )
