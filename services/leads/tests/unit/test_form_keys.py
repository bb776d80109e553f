"""Form keys and origins: what authorises a landing page's post."""

from __future__ import annotations

from leads.rules.form_keys import key_hash, new_key, origin_allowed


def test_a_key_is_fresh_each_time_and_only_its_hash_is_compared():
    first, second = new_key(), new_key()
    assert first != second and first.startswith("lf_")
    assert key_hash(first) == key_hash(first) != key_hash(second)
    assert first not in key_hash(first)


def test_origins():
    listed = ["https://promo.example.com"]
    assert origin_allowed(listed, "https://promo.example.com/")
    assert not origin_allowed(listed, "https://evil.example.com")
    assert origin_allowed([], "https://anywhere.example.com")
    assert origin_allowed(listed, None)  # not a browser cross-origin request
