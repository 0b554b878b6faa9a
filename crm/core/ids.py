"""Record ids from the request: in the path (the ``int`` URL converter) and in the query string
(:func:`arg_id`). An id is a whole number from 1 to ``MAX_ID`` in ASCII digits; anything else
cannot name a row, so it is refused here rather than reaching the database, which answers a
value its column cannot hold with an error (PostgreSQL past 2^31 - 1, SQLite past 2^63 - 1)."""

from __future__ import annotations

import re
from typing import Any

from flask import request
from werkzeug.routing import IntegerConverter, Map

#: the largest id every id column can hold: they are INTEGER, 32 bits on PostgreSQL
MAX_ID = 2**31 - 1
_DIGITS = re.compile(f"[0-9]{{1,{len(str(MAX_ID))}}}")


def _pattern_up_to(limit: int) -> str:
    """A regular expression for the whole numbers 1..``limit`` in ASCII digits without leading
    zeros: shorter numbers freely, numbers as long as ``limit`` digit by digit below it."""
    digits = str(limit)
    width = len(digits)
    branches = [f"[1-9][0-9]{{0,{width - 2}}}"]
    for position, digit in enumerate(digits):
        low = 1 if position == 0 else 0
        if int(digit) > low:
            rest = width - position - 1
            branches.append(f"{digits[:position]}[{low}-{int(digit) - 1}][0-9]{{{rest}}}")
    branches.append(digits)
    return "(?:" + "|".join(branches) + ")"


class IdConverter(IntegerConverter):
    """``<int:x>`` for ids: ASCII digits only (not every Unicode digit, as ``\\d`` allows), and
    a value in 1..MAX_ID. The pattern itself refuses every other value, so such a path matches
    no rule and answers 404 whatever the method (a value refused only after matching would
    answer 405 where the path takes other methods: Werkzeug weighs the method first)."""

    regex = _pattern_up_to(MAX_ID)

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def parse_id(raw: str | None) -> int | None:
    """The id ``raw`` names, or None when it is missing or could not name a row (signs, spaces,
    non-ASCII digits, zero, or past MAX_ID)."""
    if raw is None or not _DIGITS.fullmatch(raw):
        return None
    value = int(raw)
    return value if 1 <= value <= MAX_ID else None


def arg_id(name: str) -> int | None:
    """The id in the query-string argument ``name``, as :func:`parse_id` reads it."""
    return parse_id(request.args.get(name))
