"""The portal's multipart decoder (portal/multipart.py) finds boundaries with a substring search
instead of two patterns compiled per request; it must find exactly what werkzeug's patterns find
and decode every body exactly as werkzeug's own decoder does."""
from __future__ import annotations

import io
import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.formparser import MultiPartParser
from werkzeug.sansio.multipart import LINE_BREAK, MultipartDecoder
from werkzeug.test import stream_encode_multipart

from portal import multipart
from portal.multipart import BoundaryDecoder, BoundarySearch

BOUNDARIES = [b"b", b"-b", b"--", b"ab-", b"x" * 70, b"----WebKitFormBoundary7MA4YWxkTrZu0gW"]


def werkzeug_patterns(boundary: bytes) -> tuple[re.Pattern, re.Pattern]:
    decoder = MultipartDecoder(boundary)
    return decoder.preamble_re, decoder.boundary_re


def found(match) -> tuple | None:
    return None if match is None else (match.start(), match.end(), match.group(1))


# text made of what matters around a boundary: line breaks, dashes, white space, the boundary's letters
texts = st.lists(st.sampled_from([b"\r", b"\n", b"\r\n", b"-", b"--", b" ", b"\t", b"a", b"b", b"x", b"-b",
                                  b"ab-", b"\x00"]), max_size=40).map(b"".join)


@settings(max_examples=3000, deadline=None)
@given(boundary=st.sampled_from(BOUNDARIES[:4]), text=texts, pos=st.integers(0, 12))
@example(boundary=b"b", text=b"\r\n--b\r\n", pos=1)  # a CRLF cut by the start of the search
@example(boundary=b"b", text=b"\r\r--b--", pos=0)
@example(boundary=b"-b", text=b"\n----b \r\n", pos=0)
def test_the_search_finds_what_the_patterns_find(boundary, text, pos):
    preamble, between = werkzeug_patterns(boundary)
    for optional, pattern in ((True, preamble), (False, between)):
        ours = BoundarySearch(boundary, line_break_optional=optional)
        assert found(ours.search(text, pos)) == found(pattern.search(text, pos)), (optional, text, pos)
        assert found(ours.search(bytearray(text), pos)) == found(pattern.search(bytearray(text), pos))


def test_the_pattern_of_what_follows_is_werkzeugs():
    """The search's one compiled pattern is the tail of werkzeug's: if werkzeug changes its line
    breaks, this says so."""
    assert LINE_BREAK == b"(?:\r\n|\n|\r)"
    source = werkzeug_patterns(b"BOUNDARY")[1].pattern
    assert source.endswith(b"--BOUNDARY" + multipart._AFTER_BOUNDARY.pattern)


def test_the_decoder_sets_what_werkzeugs_sets():
    assert set(vars(BoundaryDecoder(b"abc", 100, max_parts=3))) == set(vars(MultipartDecoder(b"abc", 100, max_parts=3)))


def test_a_boundary_with_a_line_break_is_left_to_werkzeugs_patterns():
    decoder = BoundaryDecoder(b"a\r\nb")
    assert isinstance(decoder.boundary_re, re.Pattern)


def decode(decoder_class, body: bytes, boundary: bytes, buffer_size: int):
    parser = MultiPartParser(max_form_memory_size=10**6, buffer_size=buffer_size)
    original = multipart.formparser.MultipartDecoder
    multipart.formparser.MultipartDecoder = decoder_class
    try:
        form, files = parser.parse(io.BytesIO(body), boundary, len(body))
    except ValueError as exc:
        return ("ValueError", str(exc))
    finally:
        multipart.formparser.MultipartDecoder = original
    return (sorted(form.items(multi=True)),
            sorted((name, f.filename, f.content_type, f.read()) for name, f in files.items(multi=True)))


field_values = st.text(alphabet=st.sampled_from("ab -\r\n\tđ€\x00"), max_size=30)


@settings(max_examples=300, deadline=None)
@given(fields=st.lists(st.tuples(st.sampled_from(["a", "b", "csrf_token"]), field_values), max_size=5),
       file_data=st.one_of(st.none(), st.binary(max_size=200)), buffer_size=st.sampled_from([7, 64, 65536]),
       boundary=st.sampled_from(["-b", "x" * 70, "----WebKitFormBoundary7MA4YWxkTrZu0gW"]))
def test_bodies_decode_as_with_werkzeugs_decoder(fields, file_data, buffer_size, boundary):
    data = MultiDict(fields)
    if file_data is not None:
        data.add("attachments", FileStorage(io.BytesIO(file_data), "shot.png", content_type="image/png"))
    body_stream, _length, _boundary = stream_encode_multipart(data, boundary=boundary)
    body = body_stream.read()
    ours = decode(BoundaryDecoder, body, boundary.encode(), buffer_size)
    assert ours == decode(MultipartDecoder, body, boundary.encode(), buffer_size)


@pytest.mark.parametrize("body", [
    b"",  # no boundary at all
    b"--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx",  # never closed
    b"preamble\r\n--B--\r\n",  # an empty form
    b"--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n--B--  \r\nepilogue",
    b"--B\r\nNo-Disposition: 1\r\n\r\nx\r\n--B--",
    b"--B\nContent-Disposition: form-data; name=\"a\"\n\nx\n--Bx\n--B--",  # a look-alike boundary inside
])
def test_broken_and_odd_bodies_end_as_with_werkzeugs_decoder(body):
    for size in (3, 65536):
        assert decode(BoundaryDecoder, body, b"B", size) == decode(MultipartDecoder, body, b"B", size)


def test_the_app_reads_forms_with_the_portal_decoder(app):
    assert multipart.formparser.MultipartDecoder is BoundaryDecoder
    data = MultiDict([("description", "Giao chậm\r\n--x"), ("category", "finance")])
    data.add("attachments", FileStorage(io.BytesIO(b"\x89PNG\r\n--"), "a.png", content_type="image/png"))
    with app.test_request_context("/", method="POST", data=data):
        from flask import request

        assert request.form.to_dict() == {"description": "Giao chậm\r\n--x", "category": "finance"}
        assert request.files["attachments"].read() == b"\x89PNG\r\n--"
