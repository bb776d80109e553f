"""The rule naming an import's owner: username, address or display name, never a guess."""

from hypothesis import given
from hypothesis import strategies as st

from opportunities.rules.owner_names import fold, index, match

USERS = index(
    [
        ("li", "li.lei", "lei@corp.example", "Li Lei"),
        ("han", "han", None, "韩梅梅"),
        ("z1", "zhang1", None, "张伟"),
        ("z2", "zhang2", None, "张伟"),
    ]
)


def test_usernames_addresses_and_names_each_find_their_user():
    assert match("LI.LEI", USERS) == ["li"]
    assert match("lei@CORP.example", USERS) == ["li"]
    assert match("li.lei@elsewhere.example", USERS) == ["li"]  # local part = username
    assert match(" li   LEI ", USERS) == ["li"]
    assert match("韩梅梅", USERS) == ["han"]


def test_full_width_letters_and_ideographic_spaces_fold_to_the_same_name():
    assert match("\uff2c\uff49\u3000\uff2c\uff45\uff49", USERS) == ["li"]  # full-width "Li Lei"


def test_a_name_two_users_share_names_nobody_and_an_unknown_name_is_none():
    assert match("张伟", USERS) == ["z1", "z2"]  # several: no guess
    assert match("zhang1", USERS) == ["z1"]  # the username still decides
    assert match("王芳", USERS) == []
    assert match("   ", USERS) == []


@given(st.text(min_size=1, max_size=30))
def test_folding_is_idempotent_and_blind_to_surrounding_space(name):
    assert fold(fold(name)) == fold(name)
    assert fold(f"  {name}\u3000") == fold(name)
