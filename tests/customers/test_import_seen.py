"""The import's index of phones seen: the same answers as a dict, in flat arrays."""

from __future__ import annotations

import random

from crm.customers.import_seen import SeenPhones


def test_it_answers_as_a_dict_keeping_each_phones_first_line_through_growth() -> None:
    rng = random.Random(7)  # noqa: S311 - test data
    seen, expected = SeenPhones(bits=4), {}
    # Neighbouring numbers (as files have them), repeats, and numbers far apart.
    keys = [8613800000000 + n for n in range(3000)]
    keys += [rng.randrange(1, 10**15) for _ in range(3000)]
    for line, key in enumerate(keys + keys[:500], start=2):
        seen.add(key, line)
        expected.setdefault(key, line)
    assert len(seen) == len(expected)
    assert all(seen.first_line(key) == line for key, line in expected.items())
    assert seen.first_line(8613900000000) is None
