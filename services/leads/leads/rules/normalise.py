"""Screening rules: how lead input is cleaned before it is stored or matched.

Every channel cleans through here: :func:`clean_lead` for raw values (a
web form post, an import row), :func:`clean_api_lead` for values the API
schemas already checked, and both normalise contact data with
:func:`normalise_contacts`. Emails are lower-cased; phone numbers become
E.164 through Google's libphonenumber (:mod:`crm_shared.phones`),
reading numbers without a country code in the lead's own country (``CN``,
``China``, ``中国``…), else in the organisation's default region. An import
row or a form post whose phone still cannot be read keeps it as given,
unverified (``phone_verified`` false), with a warning instead of a refusal.
Plain Python, no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

import phonenumbers

from crm_shared import phones
from crm_shared.errors import ValidationFailed

from .lead_fields import LIMITS, TEXT_FIELDS

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class FieldProblem(ValueError):
    """A value a field cannot take; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def normalise_email(value: str | None) -> str | None:
    """The email lower-cased and trimmed; None for blank; FieldProblem when malformed."""
    if value is None:
        return None
    value = value.strip().lower()
    if not value:
        return None
    if len(value) > LIMITS["email"] or not _EMAIL.match(value):
        raise FieldProblem("email", "is not a valid email address")
    return value


def normalise_phone(value: str | None, region: str = "US", field: str = "phone") -> str | None:
    """The number in E.164 (``+442079460958``); None for blank; FieldProblem when invalid."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if len(value) > LIMITS["phone"]:
        raise FieldProblem(field, f"is longer than {LIMITS['phone']} characters")
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException as exc:
        raise FieldProblem(field, "is not a phone number") from exc
    if not phonenumbers.is_possible_number(number) or not phonenumbers.is_valid_number(number):
        raise FieldProblem(field, "is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub(r"[^\w\s]", " ", text)
    return " ".join(text.split())


_COMPANY_SUFFIXES = {"inc", "ltd", "llc", "gmbh", "plc", "co", "corp", "corporation", "limited"}


def duplicate_key(name: str | None, company: str | None) -> str | None:
    """A key equal for leads that are likely the same person at the same company.

    Case, accents-as-composed, punctuation and legal suffixes (Inc, Ltd…) are
    ignored; without both a name and a company there is no key.
    """
    if not name or not company:
        return None
    words = [w for w in _fold(company).split() if w not in _COMPANY_SUFFIXES]
    if not words:
        return None
    return f"{_fold(name)}|{' '.join(words)}"[:300]


def full_name(values: Mapping[str, Any]) -> str | None:
    """``name``, or first and last name joined."""
    name = (values.get("name") or "").strip()
    if name:
        return name
    parts = [(values.get(k) or "").strip() for k in ("first_name", "last_name")]
    joined = " ".join(p for p in parts if p)
    return joined or None


def clean_lead(
    values: Mapping[str, Any],
    *,
    region: str = "US",
    warnings: list[FieldProblem] | None = None,
) -> tuple[dict[str, Any], list[FieldProblem]]:
    """Check and normalise raw lead values (an import row, a form post).

    Returns the cleaned values and every problem found (field and reason);
    the lead is usable only when the list is empty. With ``warnings`` (a
    list to fill), a phone that cannot be read does not refuse the lead: it
    is kept as given, ``phone_verified`` is false, and the warning is added.
    """
    problems: list[FieldProblem] = []
    clean: dict[str, Any] = {}
    for key in TEXT_FIELDS:
        raw = values.get(key)
        if raw is None:
            continue
        text = str(raw).strip()
        if not text:
            continue
        if len(text) > LIMITS[key]:
            problems.append(FieldProblem(key, f"is longer than {LIMITS[key]} characters"))
            continue
        clean[key] = text
    name = full_name(clean)
    if not name:
        if clean.get("email") or clean.get("company"):
            name = clean.get("email") or clean.get("company")
        else:
            problems.append(FieldProblem("name", "is required (or first and last name)"))
    if name:
        clean["name"] = name[: LIMITS["name"]]
    clean, contact_problems = normalise_contacts(
        clean, region=region, lenient_phones=warnings is not None
    )
    for problem in contact_problems:
        kept = problem.field in ("phone", "mobile") and clean.get(problem.field) is not None
        if warnings is not None and kept:
            warnings.append(problem)
        else:
            problems.append(problem)
    size = values.get("company_size")
    if size not in (None, ""):
        try:
            number = int(str(size).replace(",", "").strip())
            if number < 0:
                raise ValueError
            clean["company_size"] = number
        except ValueError:
            problems.append(FieldProblem("company_size", "is not a whole number of employees"))
    return clean, problems


def normalise_contacts(
    values: Mapping[str, Any],
    *,
    region: str = "US",
    only_present: bool = False,
    lenient_phones: bool = False,
) -> tuple[dict[str, Any], list[FieldProblem]]:
    """``values`` with email and phone numbers normalised, and every problem found.

    Phones are read in the region of ``values["country"]`` when it names
    one, else in ``region``. ``only_present``: leave out contact fields
    ``values`` does not hold (a partial update), instead of setting them to
    None. ``lenient_phones``: a phone that cannot be read is kept as given
    (``phone_verified`` false) and still reported as a problem, for the
    caller to treat as a warning.
    """
    clean = dict(values)
    problems: list[FieldProblem] = []
    region = phones.pick_region(clean.get("country"), region) or region
    verified = True
    if not only_present or "email" in clean:
        try:
            clean["email"] = normalise_email(clean.get("email"))
        except FieldProblem as problem:
            problems.append(problem)
    for key in ("phone", "mobile"):
        if only_present and key not in clean:
            continue
        try:
            clean[key] = normalise_phone(clean.get(key), region, key)
        except FieldProblem as problem:
            problems.append(problem)
            kept = phones.clean(clean.get(key), region) if lenient_phones else None
            if kept is not None and len(kept.value) <= LIMITS[key]:
                clean[key] = kept.value  # kept as given: the caller warns instead
                verified = False
    if not only_present or any(k in clean for k in ("phone", "mobile")):
        clean["phone_verified"] = verified
    return clean, problems


def clean_api_lead(
    values: Mapping[str, Any], *, region: str = "US"
) -> tuple[dict[str, Any], list[FieldProblem]]:
    """A new lead's values as the API schemas checked them, cleaned for capture.

    The schema already checked types and lengths; this normalises the
    contact data and, without a ``name``, joins first and last name.
    """
    clean, problems = normalise_contacts(values, region=region)
    if not clean.get("name"):
        clean["name"] = " ".join(v for v in (clean.get("first_name"), clean.get("last_name")) if v)
    clean["name"] = clean["name"].strip()
    return clean, problems


def refusal(problems: list[FieldProblem]) -> ValidationFailed:
    """The 422 answer naming every problem's field and reason."""
    return ValidationFailed(
        "; ".join(str(p) for p in problems),
        errors=[{"field": p.field, "message": p.message} for p in problems],
    )
