"""Which user an import's ``Owner`` cell names.

CRM exports name owners the way people do: a username, an e-mail address or
a full name ("Li Lei", "李雷"). Names are compared after Unicode NFKC folding
(full-width letters, ideographic spaces), case folding and collapsing
whitespace. A username or address names one user; a display name shared by
several users names none (the row falls back to the uploader with a warning
rather than guessing).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

U = TypeVar("U")


def fold(value: str) -> str:
    """A name as compared: NFKC, case-folded, single spaces, trimmed."""
    return " ".join(unicodedata.normalize("NFKC", value).casefold().split())


@dataclass(frozen=True)
class OwnerIndex(Generic[U]):
    """Users by folded username, e-mail address and display name."""

    by_username: dict[str, U]
    by_email: dict[str, U]
    by_name: dict[str, list[U]]


def index(users: Iterable[tuple[U, str, str | None, str | None]]) -> OwnerIndex[U]:
    """Index ``(user, username, email, display_name)`` tuples for :func:`match`."""
    by_username: dict[str, U] = {}
    by_email: dict[str, U] = {}
    by_name: dict[str, list[U]] = {}
    for user, username, email, display_name in users:
        by_username[fold(username)] = user
        if email:
            by_email[fold(email)] = user
        if display_name and fold(display_name):
            by_name.setdefault(fold(display_name), []).append(user)
    return OwnerIndex(by_username, by_email, by_name)


def match(value: str, users: OwnerIndex[U]) -> list[U]:
    """The users ``value`` may name: one, none, or several (a shared display name).

    Order: username, e-mail address, an address whose local part is a
    username, then display name; the first that fits decides.
    """
    key = fold(value)
    if not key:
        return []
    if key in users.by_username:
        return [users.by_username[key]]
    if "@" in key:
        if key in users.by_email:
            return [users.by_email[key]]
        local = key.split("@", 1)[0]
        if local in users.by_username:
            return [users.by_username[local]]
    return list(users.by_name.get(key, []))
