"""Phone numbers in one form: E.164 for storage and matching, digits for search."""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

from crm.errors import DomainError
from crm.i18n import lazy_gettext as _l

DEFAULT_REGION = "CN"


#: a Chinese mobile number (national form): 1, then 3-9, then nine digits
CN_MOBILE = re.compile(r"1[3-9]\d{9}")
CN_CODE = 86
#: the one carrier prefix (of the parser's 11xx, 12xx, 179xx) a mobile number can start with
CN_CARRIER_PREFIX = "179"


def _acceptable(number: phonenumbers.PhoneNumber) -> bool:
    """Every *possible* Chinese mobile or landline is accepted: libphonenumber's list of
    allocated ranges lags the carriers' new ones (``doubtful_phones`` names those). Other
    countries' numbers must be valid by that list."""
    if number.country_code != CN_CODE:
        return phonenumbers.is_valid_number(number)
    national = str(number.national_number)
    if national.startswith("1") and not national.startswith("10"):  # 10: Beijing's area code
        return CN_MOBILE.fullmatch(national) is not None
    return phonenumbers.is_possible_number(number) and len(national) >= 9


def normalise_phone(raw: str, region: str = DEFAULT_REGION) -> str:
    """The E.164 form of a number typed in any common way: ``+86 138-0013-8000``,
    ``13800138000``, ``0086 13800138000`` and ``(010) 6552 9988`` all work.

    :raises DomainError: (field ``phones``) when it cannot be a phone number.
    """
    # Most numbers in a file: what parsing gives, without parsing (a large import's time).
    # Not 179..., which the parser may read as a carrier's dialling prefix and strip.
    if (
        region == DEFAULT_REGION
        and CN_MOBILE.fullmatch(raw)
        and raw.isascii()
        and not raw.startswith(CN_CARRIER_PREFIX)
    ):
        return f"+{CN_CODE}{raw}"
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not _acceptable(number):
        raise DomainError(
            _l("%(phone)s is not a valid phone number.", phone=raw.strip()[:40]), field="phones"
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@lru_cache(maxsize=20_000)
def _read_e164(e164: str) -> tuple[bool, str]:
    """Whether a stored number is in a known range, and its national digits: one parse for
    the import's range check and its search text, which ask about the same numbers in turn."""
    national = e164[1 + len(str(CN_CODE)) :]
    if e164.startswith(f"+{CN_CODE}") and CN_MOBILE.fullmatch(national):
        # A Chinese mobile's national form is its digits: only the range check is needed.
        number = phonenumbers.PhoneNumber(country_code=CN_CODE, national_number=int(national))
        return phonenumbers.is_valid_number(number), national
    number = phonenumbers.parse(e164)
    formatted = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.is_valid_number(number), "".join(ch for ch in formatted if ch.isdigit())


def doubtful_phones(numbers: list[str]) -> list[str]:
    """The E.164 numbers that are possible but outside libphonenumber's known ranges: kept,
    worth a warning."""
    return [n for n in numbers if not _read_e164(n)[0]]


def phone_digit_forms(e164: str) -> list[str]:
    """The digit strings a person might type for this number: national (with the trunk 0 of
    landlines) and international without the plus."""
    return [_read_e164(e164)[1], e164.lstrip("+")]


@lru_cache(maxsize=20_000)
def display_phone(e164: str) -> str:
    """A number as people in its country write it (138 0013 8000, 010 6552 9988).

    Kept per number: parsing and formatting cost about 0.1 ms, and search results and
    profiles show the same numbers again and again.
    """
    national = e164[1 + len(str(CN_CODE)) :]
    if e164.startswith(f"+{CN_CODE}") and CN_MOBILE.fullmatch(national):
        # libphonenumber writes every Chinese mobile 3-4-4 (checked against it for each of the
        # 70,000 six-digit prefixes): the cache misses of search results cost 0.1 ms a number.
        return f"{national[:3]} {national[3:7]} {national[7:]}"
    number = phonenumbers.parse(e164)
    if number.country_code == phonenumbers.country_code_for_region(DEFAULT_REGION):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def split_phone_input(text: str) -> list[str]:
    """Several numbers typed into one box, one per line or separated by commas or semicolons."""
    for separator in ",;，；":
        text = text.replace(separator, "\n")
    return [part.strip() for part in text.splitlines() if part.strip()]
