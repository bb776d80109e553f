"""Search tokens of knowledge-base text, Chinese included.

Latin-script words are lower-cased whole words; runs of CJK characters
become overlapping character bigrams (a lone character stays itself). The same
tokens feed the PostgreSQL ``tsvector`` (``simple`` configuration) and SQLite
FTS5, so both modes find the same articles. Bigrams need no dictionary to
maintain, find new product names and jargon a segmenter's dictionary lacks,
and cost nothing at start-up (jieba loads a ~20 MB dictionary).
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[0-9a-z]+(?:[._-][0-9a-z]+)*")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af]+")
MAX_QUERY_TOKENS = 32


def tokens(text: str) -> list[str]:
    """The search tokens of ``text``, in order (repeats kept)."""
    lowered = text.lower()
    found: list[str] = []
    position = 0
    for run in _CJK.finditer(lowered):
        found.extend(_WORD.findall(lowered[position : run.start()]))
        chars = run.group(0)
        if len(chars) == 1:
            found.append(chars)
        else:
            found.extend(chars[i : i + 2] for i in range(len(chars) - 1))
        position = run.end()
    found.extend(_WORD.findall(lowered[position:]))
    return found


def indexed_text(*parts: str) -> str:
    """The space-separated tokens stored for an article (what both engines index)."""
    return " ".join(t for part in parts for t in tokens(part))


def query_tokens(query: str) -> list[str]:
    """Distinct tokens of a search, first ones first, at most ``MAX_QUERY_TOKENS``."""
    seen: dict[str, None] = {}
    for token in tokens(query):
        seen.setdefault(token, None)
    return list(seen)[:MAX_QUERY_TOKENS]
