"""Finding a customer while they are on the line: by any part of a phone number, of a name or
company (Chinese or Latin), by e-mail, or by pinyin spelling and initials."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from functools import lru_cache

from pypinyin import lazy_pinyin
from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    Text,
    cast,
    func,
    literal_column,
    select,
    text,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import joinedload, lazyload
from sqlalchemy.sql.elements import TextClause

from crm.customers.models import Customer, CustomerPhone
from crm.customers.phones import normalise_phone, phone_digit_forms
from crm.errors import DomainError
from crm.extensions import db

_CJK = re.compile(r"[\u3400-\u9fff]")
#: legal-form words every company shares; their pinyin would make "gs" match every company
_COMPANY_SUFFIXES = re.compile(r"(股份)?(有限)?(责任)?(公司|集团)$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_PHONE_PUNCTUATION = re.compile(r"[\s\-().+]")
_SPACES = re.compile(r"\s+")
#: SQLite's trigram index serves substrings of at least this many characters
TRIGRAM = 3
#: text matches read before ranking name matches first
CANDIDATES = 200


@lru_cache(maxsize=20_000)
def pinyin_forms(text_value: str) -> tuple[str, ...]:
    """Full pinyin and initials of the Chinese in ``text_value`` (张三 -> zhangsan, zs).

    Kept per text: a search for pinyin initials checks up to 200 candidates' names, and the
    conversion costs about 60 µs a name on the benchmark machine.
    """
    if not _CJK.search(text_value):
        return ()
    syllables = [s for s in lazy_pinyin(text_value) if s.strip() and s.isascii()]
    syllables = [s.strip().lower() for s in syllables if s.strip().isalpha()]
    if not syllables:
        return ()
    return ("".join(syllables), "".join(s[0] for s in syllables))


def build_search_text(
    *, name: str, company: str | None, email: str | None, phones: list[str]
) -> str:
    """The lower-cased text that search reads for one customer."""
    parts = [name, company or "", email or ""]
    for e164 in phones:
        parts.extend(phone_digit_forms(e164))
    parts.extend(pinyin_forms(name))
    if company:
        parts.extend(pinyin_forms(_COMPANY_SUFFIXES.sub("", company)))
    return " ".join(part.strip().lower() for part in parts if part and part.strip())


def build_search_grams(search_text: str) -> str:
    """Every Chinese character and every two-letter piece of the words of ``search_text``
    (王芳 -> 王 芳 王芳), for the fragments the trigram index cannot serve: a given name, a
    surname, a pair of pinyin initials. Digit pairs are left out: two digits find no one."""
    grams: dict[str, None] = {}
    for word in search_text.split():
        # Checked per word before per character: a phone's digits give nothing, and a Latin
        # word only its pairs (this ran for every character of every imported row).
        if word.isdigit():
            continue
        if word.isascii():
            grams.update(dict.fromkeys(_latin_pairs(word)))
            continue
        for char, pair in zip(word, [*_pairs(word), ""], strict=True):
            if "\u3400" <= char <= "\u9fff":  # as _CJK, without a regex call per character
                grams[char] = None
            if pair.isalnum() and not pair.isdigit():
                grams[pair] = None
    return " ".join(grams)


def _pairs(word: str) -> list[str]:
    return [word[position : position + 2] for position in range(len(word) - 1)]


def _latin_pairs(word: str) -> list[str]:
    pairs = _pairs(word)
    if word.isalpha():  # pinyin, most of the text: every pair is a gram
        return pairs
    return [pair for pair in pairs if pair.isalnum() and not pair.isdigit()]


def _is_gram(fragment: str) -> bool:
    """Whether the short-piece index holds ``fragment``, if any customer has it."""
    if len(fragment) == 1:
        return bool(_CJK.match(fragment))
    return len(fragment) == 2 and fragment.isalnum() and not fragment.isdigit()


def _like_pattern(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def substring_condition(fragment: str) -> ColumnElement[bool]:
    """Customers whose search text contains ``fragment``: 3+ characters through the FTS5
    trigram index on SQLite or the pg_trgm index on PostgreSQL; a Chinese character or a
    two-letter piece through the index of short pieces; anything else by a scan."""
    sqlite = db.engine.dialect.name == "sqlite"
    if sqlite and len(fragment) >= TRIGRAM:
        return Customer.id.in_(_fts_match("customer_search", fragment))
    if _is_gram(fragment):
        if sqlite:
            return Customer.id.in_(_fts_match("customer_search_grams", fragment))
        # The same expression as the GIN index, the separator inline so that the index serves.
        pieces = func.string_to_array(
            Customer.search_grams, literal_column("' '"), type_=postgresql.ARRAY(Text)
        )
        return pieces.contains(cast(postgresql.array([fragment]), postgresql.ARRAY(Text)))
    return Customer.search_text.like(_like_pattern(fragment), escape="\\")


def _fts_match(table: str, fragment: str) -> TextClause:
    phrase = '"' + fragment.replace('"', '""') + '"'
    # ``table`` is one of two constants above, never input.
    matches = text(f"SELECT rowid FROM {table} WHERE {table} MATCH :phrase")  # noqa: S608
    return matches.bindparams(phrase=phrase).columns(rowid=Integer)


@dataclass(frozen=True)
class SearchHit:
    customer: Customer
    #: why it matched: "phone" (the whole number), "phone_end" (its last digits) or "text"
    match: str


def _live(query: Select, include_deleted: bool) -> Select:
    return query if include_deleted else query.where(Customer.deleted_at.is_(None))


#: what a search result shows: the phones in the same statement, not the owner
_RESULT = (joinedload(Customer.phones), lazyload(Customer.owner))


def search_customers(
    query: str, *, limit: int = 20, include_deleted: bool = False
) -> list[SearchHit]:
    """Customers matching ``query``, best first: the whole phone number, then numbers ending
    in the digits typed, then any other match, most recently contacted first.

    Each kind of match finds ids only; the customers shown are loaded in one statement.
    """
    # Control characters (NUL above all) cannot be part of a name and some drivers refuse them.
    query = _CONTROL.sub("", query)
    needle = _SPACES.sub(" ", query.strip().lower())[:100]
    if not needle:
        return []
    #: customer id -> why it matched, best first
    ranked: dict[int, str] = {}

    def take(customer_ids: Iterable[int], match: str) -> None:
        for customer_id in customer_ids:
            if len(ranked) < limit:
                ranked.setdefault(customer_id, match)

    digits = _PHONE_PUNCTUATION.sub("", needle)
    if digits.isdecimal():  # not isdigit(), which takes "²" (int() refuses it)
        try:
            e164 = normalise_phone(query)
        except DomainError:
            e164 = None
        if e164:
            take(db.session.scalars(_with_phone(e164, include_deleted, limit)), "phone")
        if len(digits) >= 4:
            take(
                db.session.scalars(_with_phone_ending(digits, include_deleted, limit)), "phone_end"
            )
        needle = digits
    for text_needle in _text_needles(needle):
        wanted = limit - len(ranked)
        if wanted > 0:
            take(_text_matches(text_needle, include_deleted, wanted, exclude=ranked.keys()), "text")
    if not ranked:
        return []
    loaded = {
        customer.id: customer
        for customer in db.session.scalars(
            select(Customer).where(Customer.id.in_(list(ranked))).options(*_RESULT)
        ).unique()
    }
    return [SearchHit(loaded[customer_id], match) for customer_id, match in ranked.items()]


def _text_needles(needle: str) -> list[str]:
    """The needle as typed, and pinyin typed syllable by syllable ("zhang san") joined up as the
    search text keeps it ("zhangsan"); a Latin name keeps its space and matches as typed."""
    joined = needle.replace(" ", "")
    if joined != needle and joined.isascii() and joined.isalpha():
        return [needle, joined]
    return [needle]


def _text_matches(
    needle: str, include_deleted: bool, wanted: int, exclude: Collection[int]
) -> list[int]:
    """Ids of customers whose text contains ``needle``, those whose name matches first."""
    # An expression, not the indexed column: walking the last-contact index to find a few
    # rare matches reads the whole table in random order, a scan and sort is several times faster.
    recency = func.coalesce(Customer.last_contact_at, Customer.created_at)
    ordered = (
        _live(select(Customer.id, Customer.name), include_deleted)
        .where(substring_condition(needle))
        .order_by(recency.desc(), Customer.id.desc())
        .limit(CANDIDATES)
    )
    # People are looked up by their own name far more often than by their company's: name
    # matches first, and once there are enough of them the rest need no look.
    by_name: list[int] = []
    others: list[int] = []
    for customer_id, name in db.session.execute(ordered).all():
        if customer_id not in exclude:
            (by_name if _name_matches(name, needle) else others).append(customer_id)
            if len(by_name) == wanted:
                break
    return (by_name + others)[:wanted]


def _name_matches(name: str, needle: str) -> bool:
    if needle in name.lower():
        return True
    # Pinyin is Latin letters only: a Chinese query or one with digits (a phone number) cannot
    # match it, and converting 200 candidates' names would cost more than the whole search.
    return (
        needle.isascii() and needle.isalpha() and any(needle in form for form in pinyin_forms(name))
    )


def customers_with_phone(
    e164: str, *, include_deleted: bool = False, limit: int = 20
) -> list[Customer]:
    """The customers who have the number (E.164), most recently contacted first: the screen
    pop and the API's caller lookup."""
    ids = list(db.session.scalars(_with_phone(e164, include_deleted, limit)))
    found = {
        customer.id: customer
        for customer in db.session.scalars(select(Customer).where(Customer.id.in_(ids)))
    }
    return [found[customer_id] for customer_id in ids]


def _with_phone(e164: str, include_deleted: bool, limit: int) -> Select[tuple[int]]:
    query = (
        select(Customer.id)
        .join(CustomerPhone, CustomerPhone.customer_id == Customer.id)
        .where(CustomerPhone.number == e164)
        .order_by(Customer.last_contact_at.desc().nulls_last(), Customer.id)
        .limit(limit)
    )
    return _live(query, include_deleted)


def _next_digit_string(digits: str) -> str | None:
    """The smallest digit string greater than every string starting with ``digits``
    ("0123" -> "0124", "0199" -> "02"); None when there is none ("999")."""
    stripped = digits.rstrip("9")
    if not stripped:
        return None
    return stripped[:-1] + str(int(stripped[-1]) + 1)


def _with_phone_ending(digits: str, include_deleted: bool, limit: int) -> Select[tuple[int]]:
    prefix = digits[::-1]
    upper = _next_digit_string(prefix)
    in_range = CustomerPhone.digits_reversed >= prefix
    if upper is not None:
        in_range = in_range & (CustomerPhone.digits_reversed < upper)
    query = (
        select(Customer.id)
        .join(CustomerPhone, CustomerPhone.customer_id == Customer.id)
        .where(in_range)
        .order_by(Customer.last_contact_at.desc().nulls_last(), Customer.id.desc())
        .limit(limit)
    )
    return _live(query, include_deleted)
