"""Passwords: Argon2id hashing with OWASP's parameters, and strength checks.

OWASP's Password Storage Cheat Sheet recommends Argon2id with m=19 MiB,
t=2, p=1 as the baseline. Hashes made with other parameters (argon2-cffi's
older defaults) still verify, and :func:`needs_rehash` tells the sign-in to
store a fresh hash with the current ones.
"""

from __future__ import annotations

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, type=Type.ID)
# Verifying against this when a username is unknown keeps the answer's
# timing from telling which usernames exist.
_DUMMY_HASH = _hasher.hash("not-a-real-password")

MIN_LENGTH = 10
MAX_LENGTH = 1024
# zxcvbn's 0-4 scale: 3 is "safely unguessable: moderate protection from
# offline slow-hash scenario" (about 10^8 guesses or more).
MIN_SCORE = 3
# zxcvbn's time grows with the length; past this many characters only the
# first ones are scored (a longer password is never weaker for it).
_SCORED_PREFIX = 100


def hash_password(password: str) -> str:
    """An Argon2id hash of ``password``."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; spends the same time when there is no hash."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether a hash was made with other parameters than today's."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


def password_problem(password: str, username: str, *others: str) -> str | None:
    """Why ``password`` is not acceptable for ``username``, or None.

    Besides a minimum length, the password must resist guessing as zxcvbn
    estimates it: dictionary words, common and breached-style passwords,
    repeats, sequences, keyboard patterns, dates, and the user's own name
    (``username`` and ``others``, such as the display name or email).
    """
    if not password.strip():
        return "must not be blank"
    if len(password) < MIN_LENGTH:
        return f"must be at least {MIN_LENGTH} characters"
    if password.lower() == username.lower():
        return "must differ from the username"
    result = zxcvbn(password[:_SCORED_PREFIX], user_inputs=[username, *filter(None, others)])
    if result["score"] < MIN_SCORE:
        feedback = result.get("feedback") or {}
        why = feedback.get("warning") or "it is easy to guess"
        return f"is too weak: {why.rstrip('.')}".rstrip(": ")
    return None
