"""The parts of a story's text that a tag already took, so that a later reader does not read them again.

A byte a character marks the taken ones: marking and asking are C-speed slices and searches, so a story of a
million characters with tens of thousands of names costs no more per name than a short one (a list of spans
asked with `any()` made tagging quadratic in the number of names).
"""

from __future__ import annotations

from collections.abc import Iterable


class Taken:
    def __init__(self, length: int, spans: Iterable[tuple[int, int]] = ()) -> None:
        self._marks = bytearray(length)
        for start, end in spans:
            self.add(start, end)

    def add(self, start: int, end: int) -> None:
        self._marks[start:end] = b"\x01" * (end - start)

    def free(self, start: int, end: int) -> bool:
        """Whether no character of text[start:end] is taken."""
        return self._marks.find(1, start, end) < 0
