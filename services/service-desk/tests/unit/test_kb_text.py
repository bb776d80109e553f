"""Search tokens: Chinese as character bigrams, Latin words whole."""

from hypothesis import given
from hypothesis import strategies as st

from service_desk.rules.kb_states import can_move
from service_desk.rules.kb_text import indexed_text, query_tokens, tokens


def test_chinese_becomes_bigrams_and_words_stay_whole():
    assert tokens("打印机卡纸 HP-2030 error") == [
        "打印",
        "印机",
        "机卡",
        "卡纸",
        "hp-2030",
        "error",
    ]
    assert tokens("纸") == ["纸"]
    assert query_tokens("卡纸 卡纸") == ["卡纸"]


@given(st.text(alphabet="打印机卡纸退货流程abc 123", max_size=40))
def test_a_phrase_found_in_a_text_shares_its_tokens(text):
    """Every token of any substring of a text is a token of the text (what lets search find it)."""
    indexed = set(indexed_text(text).split())
    for start in range(len(text)):
        for end in range(start + 2, min(len(text), start + 6) + 1):
            piece = text[start:end]
            if piece.strip() == piece and not any(c in "abc 123" for c in piece):
                assert set(tokens(piece)) <= indexed


def test_article_states():
    assert can_move("draft", "in_review") and can_move("in_review", "published")
    assert not can_move("draft", "published") and not can_move("archived", "published")
