"""Multipart bodies (every seller form: it can carry files) parsed without compiling two regular
expressions per request.

werkzeug's decoder compiles two patterns around each request's boundary. Browsers and HTTP
clients pick a new random boundary for every request, so Python's pattern cache never helps, and
compiling was the largest single cost of reading a submission. `BoundarySearch` finds exactly what
those patterns find, with a plain substring search for the boundary and one pattern compiled once
for what may follow it; `BoundaryDecoder` is werkzeug's decoder using it. The patterns, in
werkzeug's words (LB is a line break: CRLF, LF or CR; `\\h` horizontal white space):

    preamble:  LB? -- boundary ( -- \\h* LB? | \\h* LB )
    boundary:  LB  -- boundary ( -- \\h* LB? | \\h* LB )

tests/unit/test_multipart.py checks the search against werkzeug's own patterns, and whole bodies
against werkzeug's own decoder."""
from __future__ import annotations

import re

from flask import Flask
from werkzeug import formparser
from werkzeug.sansio.multipart import LINE_BREAK, MultipartDecoder, State

# what follows the boundary: "--" closes the body, else the part's headers start on the next line
_AFTER_BOUNDARY = re.compile(rb"(--[^\S\n\r]*%s?|[^\S\n\r]*%s)" % (LINE_BREAK, LINE_BREAK))


class _Found:
    """The part of a regular expression match that the decoder reads."""

    __slots__ = ("_start", "_end", "_after")

    def __init__(self, start: int, end: int, after: bytes) -> None:
        self._start, self._end, self._after = start, end, after

    def start(self) -> int:
        return self._start

    def end(self) -> int:
        return self._end

    def group(self, index: int) -> bytes:
        if index != 1:
            raise IndexError("no such group")
        return self._after


class BoundarySearch:
    """The leftmost boundary line at or after `pos`, as werkzeug's pattern would find it.

    A match always has "--" and the boundary at a place where the text contains them, right after
    its line break, so the matches are found among those places, in order. The boundary holds no
    line break (BoundaryDecoder leaves such a boundary to werkzeug), so the line break of each
    place is the one or two bytes just before it, and no two places share one: the first place
    with a line break before it (or none, where it is optional) and a valid ending is the match."""

    __slots__ = ("_marker", "_line_break_optional")

    def __init__(self, boundary: bytes, *, line_break_optional: bool) -> None:
        self._marker = b"--" + boundary
        self._line_break_optional = line_break_optional

    def search(self, data: bytes | bytearray, pos: int = 0) -> _Found | None:
        marker = self._marker
        at = data.find(marker, pos)
        while at != -1:
            if at - 2 >= pos and data[at - 2:at] == b"\r\n":
                start = at - 2
            elif at - 1 >= pos and data[at - 1:at] in (b"\r", b"\n"):
                start = at - 1
            else:
                start = at if self._line_break_optional else -1
            if start != -1:
                after = _AFTER_BOUNDARY.match(data, at + len(marker))
                if after is not None:
                    return _Found(start, after.end(), after.group(1))
            at = data.find(marker, at + 1)
        return None


class BoundaryDecoder(MultipartDecoder):
    """werkzeug's multipart decoder, finding boundaries with BoundarySearch."""

    def __init__(self, boundary: bytes, max_form_memory_size: int | None = None, *,
                 max_parts: int | None = None) -> None:
        if b"\r" in boundary or b"\n" in boundary:  # not a valid boundary; werkzeug's patterns decide
            super().__init__(boundary, max_form_memory_size, max_parts=max_parts)
            return
        # what werkzeug's __init__ sets, without its two compiled patterns
        self.buffer = bytearray()
        self.complete = False
        self.max_form_memory_size = max_form_memory_size
        self.max_parts = max_parts
        self.state = State.PREAMBLE
        self.boundary = boundary
        self.preamble_re = BoundarySearch(boundary, line_break_optional=True)
        self.boundary_re = BoundarySearch(boundary, line_break_optional=False)
        self._search_position = 0
        self._parts_decoded = 0


def init_app(_app: Flask) -> None:
    # werkzeug's form parser makes its decoder by this module-level name
    formparser.MultipartDecoder = BoundaryDecoder
