"""The phones an import has seen so far, each with the first line it was on.

A file's duplicate rows are found by this index, which lives for the whole dry run or commit.
As a dict of Python ints it took 117 MB at a million phones; here it is a hash table in two flat
arrays, 12 bytes a slot and at most half full (about 25 MB at a million).
"""

from __future__ import annotations

from array import array

#: Fibonacci hashing's multiplier (2**64 / the golden ratio): spreads neighbouring numbers,
#: which a file's phones often are, over the table
_MULTIPLIER = 0x9E3779B97F4A7C15
_WORD = (1 << 64) - 1


class SeenPhones:
    """Phone keys (E.164 digits as a positive int) -> the first line that had them."""

    def __init__(self, bits: int = 16) -> None:
        self._bits = bits
        self._keys, self._lines = self._empty(bits)
        self._count = 0

    @staticmethod
    def _empty(bits: int) -> tuple[array, array]:
        # Key 0 marks an empty slot: no phone is 0.
        return array("q", bytes(8 << bits)), array("i", bytes(4 << bits))

    def __len__(self) -> int:
        return self._count

    def _slot(self, key: int) -> int:
        mask = (1 << self._bits) - 1
        slot = ((key * _MULTIPLIER) & _WORD) >> (64 - self._bits)
        keys = self._keys
        while keys[slot] and keys[slot] != key:
            slot = (slot + 1) & mask
        return slot

    def first_line(self, key: int) -> int | None:
        """The line that first had this phone, or None."""
        slot = self._slot(key)
        return self._lines[slot] if self._keys[slot] else None

    def add(self, key: int, line: int) -> None:
        """Remember a phone's line, unless it was seen before (the first line is kept)."""
        slot = self._slot(key)
        if self._keys[slot]:
            return
        self._keys[slot], self._lines[slot] = key, line
        self._count += 1
        if self._count * 2 > len(self._keys):
            self._grow()

    def _grow(self) -> None:
        keys, lines = self._keys, self._lines
        self._bits += 1
        self._keys, self._lines = self._empty(self._bits)
        for key, line in zip(keys, lines, strict=True):
            if key:
                slot = self._slot(key)
                self._keys[slot], self._lines[slot] = key, line
