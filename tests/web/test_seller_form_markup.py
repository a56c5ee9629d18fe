"""The seller's form is written out by hand (templates/seller/_ticket_form.html) instead of being
built by WTForms' widgets through the `field` macro. Both must give the same form: the same
elements with the same attributes, labels, hints, values and error messages, escaped the same."""
from __future__ import annotations

from html.parser import HTMLParser

import pytest
from flask import g, render_template_string

from forms.seller import TicketForm

# the seller form as the `field` macro and WTForms' widgets render it
BY_WIDGETS = """{% from "_field.html" import field %}
<form method="post" action="/s/t/tickets" enctype="multipart/form-data" class="ticket-form" novalidate>
  {{ form.csrf_token }}
  {{ form.submission_key }}
  {{ field(form.category) }}
  {{ field(form.tracking_numbers, hint=_('One or more, separated by spaces, commas or new lines.'), rows=2,
           placeholder="NV12345678") }}
  {% include "seller/_status_check.html" %}
  {{ field(form.description, rows=5, placeholder=_('Describe what happened')) }}
  {{ field(form.contact_phone, inputmode="tel", autocomplete="tel") }}
  {{ field(form.attachments, hint=_('PNG, JPEG, GIF, WebP or PDF, up to %(mb)s MB each.', mb=10),
           accept="image/*,application/pdf") }}
  <button type="submit" class="primary" data-once>{{ _('Send') }}</button>
</form>"""
BY_HAND = """{% from "seller/_ticket_form.html" import ticket_form %}{{ ticket_form(form, "/s/t/tickets", 10) }}"""


class Elements(HTMLParser):
    """Every element as (tag, sorted attributes, its text), whitespace folded."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[list] = []
        self.open: list[list] = []

    def handle_starttag(self, tag, attrs):
        element = [tag, tuple(sorted((k, v or "") for k, v in attrs)), ""]
        self.found.append(element)
        if tag not in ("input", "br"):
            self.open.append(element)

    def handle_endtag(self, tag):
        if self.open and self.open[-1][0] == tag:
            self.open.pop()

    def handle_data(self, data):
        if self.open:
            self.open[-1][2] += data

    def result(self) -> list[tuple]:
        return [(tag, attrs, " ".join(text.split())) for tag, attrs, text in self.found]


def elements(html: str) -> list[tuple]:
    parser = Elements()
    parser.feed(html)
    return parser.result()


def both(form: TicketForm) -> tuple[list, list]:
    g.pop("csrf_token", None)
    g.token = "t"  # the seller link's, for the addresses of the parcel status check
    return elements(render_template_string(BY_WIDGETS, form=form)), elements(render_template_string(BY_HAND, form=form))


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_a_fresh_form_is_the_widgets_form(app, lang):
    with app.test_request_context(f"/s/t?lang={lang}"):
        form = TicketForm(contact_phone="0901234567")
        form.submission_key.data = "k" * 32
        widgets, by_hand = both(form)
    assert by_hand == widgets
    assert ("option", (("value", "delivery_delay"),), "Pickup or delivery delay" if lang == "en"
            else "Trễ lấy hàng hoặc giao hàng") in by_hand


def test_a_refused_form_keeps_values_and_errors_like_the_widgets(app):
    hostile = '<script>alert("x")</script> & \'quoted\''
    data = {"category": "finance", "tracking_numbers": hostile, "description": "ab", "contact_phone": hostile,
            "submission_key": "key-1"}
    with app.test_request_context("/s/t/tickets?lang=en", method="POST", data=data):
        form = TicketForm()
        assert not form.validate()
        form.attachments.errors = ["At most 5 files per message."]
        widgets, by_hand = both(form)
        raw = render_template_string(BY_HAND, form=form)
    assert by_hand == widgets
    assert {e[1] for e in by_hand if e[0] == "p"} == {
        (("class", "error"), ("id", name + "-error")) for name in ("tracking_numbers", "description", "contact_phone",
                                                                   "attachments")}
    assert ("option", (("selected", ""), ("value", "finance")), "Finance: COD remittance, fees, invoices, refunds") \
        in by_hand
    assert "<script>" not in raw and "&lt;script&gt;" in raw


def test_the_seller_page_uses_the_written_out_form(client, seller, demo):
    html = client.get(seller.link_path()).get_data(as_text=True)
    form = html[html.index('<form method="post"'):html.index("</form>")]
    assert 'enctype="multipart/form-data"' in form
    names = [dict(e[1]).get("name") for e in elements(form) if e[0] in ("input", "select", "textarea")]
    assert names == ["csrf_token", "submission_key", "category", "tracking_numbers", "description", "contact_phone",
                     "attachments"]


def _rows(count: int) -> list:
    import datetime as dt
    from types import SimpleNamespace

    start = dt.datetime(2026, 11, 20, 8, 30, tzinfo=dt.UTC)
    statuses = ("new", "open", "waiting_on_seller", "resolved", "closed")
    return [SimpleNamespace(reference=f"T-2611-{n:06d}", category="delivery_delay", status=statuses[n % 5],
                            created_at=start + dt.timedelta(hours=n)) for n in range(count)]
