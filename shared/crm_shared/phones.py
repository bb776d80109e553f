"""Phone numbers: E.164 through libphonenumber, read in the right region.

A national-format number (``138 0013 8000``) only means something with a
region. The region is the record's own country when it has one (an ISO
code, or a country name in English or Chinese: ``China``, ``中国``,
``PRC``…), else the organisation's default region. Leads and customers
both clean and search phone numbers through here, so a number typed in
any format finds the same record. Plain Python, no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import phonenumbers

# Names people write in a Country column, folded (see _fold), beyond ISO codes.
_COUNTRY_NAMES = {
    "china": "CN",
    "prc": "CN",
    "peoples republic of china": "CN",
    "people s republic of china": "CN",
    "the peoples republic of china": "CN",
    "mainland china": "CN",
    "中国": "CN",
    "中国大陆": "CN",
    "中华人民共和国": "CN",
    "大陆": "CN",
    "hong kong": "HK",
    "hongkong": "HK",
    "中国香港": "HK",
    "香港": "HK",
    "macau": "MO",
    "macao": "MO",
    "澳门": "MO",
    "中国澳门": "MO",
    "taiwan": "TW",
    "台湾": "TW",
    "中国台湾": "TW",
    "united states": "US",
    "united states of america": "US",
    "usa": "US",
    "america": "US",
    "美国": "US",
    "united kingdom": "GB",
    "uk": "GB",
    "great britain": "GB",
    "britain": "GB",
    "england": "GB",
    "英国": "GB",
    "germany": "DE",
    "deutschland": "DE",
    "德国": "DE",
    "france": "FR",
    "法国": "FR",
    "japan": "JP",
    "日本": "JP",
    "south korea": "KR",
    "korea": "KR",
    "republic of korea": "KR",
    "韩国": "KR",
    "singapore": "SG",
    "新加坡": "SG",
    "india": "IN",
    "印度": "IN",
    "canada": "CA",
    "加拿大": "CA",
    "australia": "AU",
    "澳大利亚": "AU",
    "russia": "RU",
    "russian federation": "RU",
    "俄罗斯": "RU",
    "brazil": "BR",
    "巴西": "BR",
    "spain": "ES",
    "西班牙": "ES",
    "italy": "IT",
    "意大利": "IT",
    "netherlands": "NL",
    "荷兰": "NL",
    "malaysia": "MY",
    "马来西亚": "MY",
    "thailand": "TH",
    "泰国": "TH",
    "vietnam": "VN",
    "viet nam": "VN",
    "越南": "VN",
    "indonesia": "ID",
    "印度尼西亚": "ID",
    "philippines": "PH",
    "菲律宾": "PH",
    "mexico": "MX",
    "墨西哥": "MX",
}
_ISO3 = {"CHN": "CN", "USA": "US", "GBR": "GB", "DEU": "DE", "FRA": "FR", "JPN": "JP"}


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub(r"[^\w\s]", " ", text)
    return " ".join(text.split())


def region_for_country(country: str | None) -> str | None:
    """The two-letter region libphonenumber reads ``country`` as; None when unknown.

    Accepts ISO 3166 alpha-2 and a few alpha-3 codes, and country names in
    English or Chinese (``China``, ``中国``, ``PRC``, ``中华人民共和国``).
    """
    if not country:
        return None
    text = country.strip()
    if not text:
        return None
    upper = text.upper()
    if len(upper) == 2 and upper.isascii() and upper in phonenumbers.SUPPORTED_REGIONS:
        return upper
    if upper in _ISO3:
        return _ISO3[upper]
    return _COUNTRY_NAMES.get(_fold(text))


def pick_region(country: str | None, default: str | None) -> str | None:
    """The region to read a national number in: the record's country, else ``default``."""
    return region_for_country(country) or (default.upper() if default else None)


@dataclass(frozen=True)
class Phone:
    """A cleaned phone number: E.164 when ``verified``, else the text as given."""

    value: str
    verified: bool


def parse(value: str, region: str | None) -> str | None:
    """``value`` in E.164 when it is a valid number read in ``region``; None otherwise."""
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number) or not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def clean(value: str | None, region: str | None) -> Phone | None:
    """The number in E.164 when it parses, else kept as given and unverified; None for blank."""
    if value is None:
        return None
    text = " ".join(str(value).split())
    if not text:
        return None
    parsed = parse(text, region)
    return Phone(parsed, True) if parsed else Phone(text, False)


def search_forms(text: str, region: str | None) -> list[str]:
    """The stored forms a phone typed into a search box may match.

    E.164 when it parses in ``region`` (national, international, with
    spaces, dashes or brackets alike), plus the text with its spacing
    collapsed, for numbers kept unverified as given.
    """
    forms: list[str] = []
    spaced = " ".join(text.split())
    parsed = parse(spaced, region)
    if parsed:
        forms.append(parsed)
    if spaced and spaced not in forms:
        forms.append(spaced)
    return forms


def looks_like_phone(text: str) -> bool:
    """Whether a search text is a phone number rather than a name (digits, +, spaces, dashes)."""
    digits = sum(ch.isdigit() for ch in text)
    return digits >= 5 and bool(re.fullmatch(r"[\d\s+\-().]+", text.strip()))
