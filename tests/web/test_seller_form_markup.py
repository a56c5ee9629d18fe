"""The seller's form is written out by hand (templates/seller/_ticket_form.html) instead of being
built by WTForms' widgets through the `field` macro. Both must give the same form: the same
elements with the same attributes, labels, hints, values and error messages, escaped the same."""
from __future__ import annotations

from html.parser import HTMLParser

import pytest
from flask import g, render_template_string

from forms.seller import TicketForm
from portal.seller import blank_form

# the seller form as the `field` macro and WTForms' widgets render it
BY_WIDGETS = """{% from "_field.html" import field %}
<form method="post" action="/s/t/tickets" enctype="multipart/form-data" class="ticket-form" novalidate>
  {{ form.csrf_token }}
  {{ form.submission_key }}
  {{ field(form.category) }}
  {{ field(form.tracking_numbers, hint=_('One or more, separated by spaces, commas or new lines.'), rows=2,
           placeholder="NV12345678") }}
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


@pytest.mark.parametrize("lang", ["en", "vi", "en"])  # en again: after vi, from what was kept for en
def test_the_kept_blank_form_is_the_form_rendered_afresh(app, lang):
    """A fresh visit gets the form rendered once per language and filled in; it must be exactly
    what rendering the form with those values gives, values escaped."""
    action, phone, key = "/s/a&b<c>/tickets", '09<01>&"x\'', "k" * 32
    with app.test_request_context(f"/s/t?lang={lang}"):
        form = TicketForm(contact_phone=phone)
        form.submission_key.data = key
        token = form.csrf_token.current_token
        afresh = render_template_string("""{% from "seller/_ticket_form.html" import ticket_form %}"""
                                        """{{ ticket_form(form, action, mb) }}""", form=form, action=action,
                                        mb=blank_form.upload_mb())
        for _ in range(2):  # the first call renders and keeps it, the second fills what was kept
            kept = blank_form.blank_ticket_form(action=action, csrf_token=token, submission_key=key,
                                                contact_phone=phone)
            assert str(kept) == afresh
    assert "&lt;01&gt;&amp;&#34;x&#39;" in afresh and "/s/a&amp;b&lt;c&gt;/tickets" in afresh
    assert ("Send" if lang == "en" else "Gửi") in afresh


def test_a_blank_form_without_a_phone_has_an_empty_phone(app):
    with app.test_request_context("/s/t?lang=en"):
        html = str(blank_form.blank_ticket_form(action="/x", csrf_token="t", submission_key="k", contact_phone=None))
    assert 'name="contact_phone" type="text" value=""' in html
    assert "\ue000" not in html and "\ue001" not in html


def test_the_kept_form_follows_the_upload_limit(app):
    with app.test_request_context("/s/t?lang=en"):
        app.config["UPLOAD_MAX_MB"], before = 7, app.config["UPLOAD_MAX_MB"]
        try:
            html = str(blank_form.blank_ticket_form(action="/x", csrf_token="t", submission_key="k", contact_phone=""))
        finally:
            app.config["UPLOAD_MAX_MB"] = before
    assert "up to 7 MB each" in html


def test_a_template_that_hides_a_value_is_refused(app, monkeypatch):
    """Were the form template to drop or repeat one of the filled values, serving the kept form
    would quietly leave it out: the split checks for each value exactly once."""
    from markupsafe import Markup

    monkeypatch.setattr(blank_form, "get_template_attribute",
                        lambda *_a: lambda form, action, mb: Markup(f"<form action='{action}'></form>"))
    monkeypatch.setattr(blank_form, "_kept", {})
    with app.test_request_context("/s/t?lang=en"), pytest.raises(RuntimeError, match="csrf_token"):
        blank_form.blank_ticket_form(action="/x", csrf_token="t", submission_key="k", contact_phone="")


def _rows(count: int) -> list:
    import datetime as dt
    from types import SimpleNamespace

    start = dt.datetime(2026, 11, 20, 8, 30, tzinfo=dt.UTC)
    statuses = ("new", "open", "waiting_on_seller", "resolved", "closed")
    return [SimpleNamespace(reference=f"T-2611-{n:06d}", category="delivery_delay", status=statuses[n % 5],
                            created_at=start + dt.timedelta(hours=n)) for n in range(count)]


@pytest.mark.parametrize("lang", ["en", "vi", "en"])  # en again: from what was kept for en
@pytest.mark.parametrize("count, older", [(0, None), (3, None), (10, "T-2611-000009")])
def test_the_kept_page_is_the_page_rendered_afresh(app, lang, count, older):
    """A fresh visit gets the page around the form rendered once per language and filled in; it
    must be exactly what rendering seller/home.html gives, the seller's values escaped."""
    from types import SimpleNamespace

    from flask import render_template

    seller = SimpleNamespace(name='Shop <b>"Hoa"</b> & Mai', code="DEMO-<1>")
    rows = _rows(count)
    with app.test_request_context(f"/s/a&b<c>?lang={lang}&q=\"1\""):
        g.token = "a&b<c>"  # what the seller blueprint takes off the path
        form = blank_form.blank_ticket_form(action="/x", csrf_token="t", submission_key="k", contact_phone="0901")
        afresh = render_template("seller/home.html", seller=seller, form=None, blank_form=form,
                                 upload_mb=blank_form.upload_mb(), reattach=False, tickets=rows, older=older)
        for _ in range(2):  # the first call renders and keeps the page, the second fills what was kept
            kept = blank_form.blank_home(seller_name=seller.name, seller_code=seller.code, form=form,
                                         tickets=rows, older=older)
            assert str(kept) == afresh
    assert "Shop &lt;b&gt;&#34;Hoa&#34;&lt;/b&gt; &amp; Mai" in afresh and "DEMO-&lt;1&gt;" in afresh
    other = "vi" if lang == "en" else "en"
    assert f'href="/s/a&amp;b&lt;c&gt;?q=%221%22&amp;lang={other}"' in afresh
    assert afresh.count("T-2611-") == 2 * count
    assert ("All your tickets" in afresh) == (older is not None and lang == "en")
    assert "\ue000" not in afresh


def test_a_page_template_that_drops_a_value_is_refused(app, monkeypatch):
    """Were seller/home.html to stop showing one of the filled values (or show it through a filter
    that changes it), serving the kept page would quietly leave it out."""
    from flask import render_template

    monkeypatch.setattr(blank_form, "render_template",
                        lambda name, **values: render_template(name, **values).replace(
                            values["seller"].code, values["seller"].code.upper()))
    monkeypatch.setattr(blank_form, "_kept_pages", {})
    with app.test_request_context("/s/t?lang=en"), pytest.raises(RuntimeError, match="seller_code"):
        blank_form.blank_home(seller_name="S", seller_code="C", form=blank_form.Markup(""), tickets=[], older=None)
