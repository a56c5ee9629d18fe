"""Every text of a translated template is marked for translation, and every marked text has its
Vietnamese translation in the catalogue (which is in step with the code)."""
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "translations" / "vi" / "LC_MESSAGES" / "messages.po"
# the templates translated so far: seller pages, the shared frame, errors, log-in, the inbox and the admin console
TRANSLATED_TEMPLATES = ["base.html", "error.html", "staff_base.html", "auth/login.html", "seller/home.html",
                        "seller/ticket.html", "_field.html", "inbox/index.html", "inbox/_rows.html",
                        "inbox/ticket.html", "inbox/notifications.html", "admin/api_tokens.html",
                        "admin/index.html", "admin/audit.html", "admin/canned.html", "admin/webhooks.html",
                        "admin/sellers.html", "admin/sellers_base.html", "admin/sellers_detail.html",
                        "admin/sellers_import.html", "admin/staff.html", "admin/staff_user.html",
                        "admin/departments.html", "admin/departments_edit.html", "admin/policies.html",
                        "admin/routing.html", "admin/routing_macros.html", "admin/routing_preview.html",
                        "admin/routing_version.html"]
SHOWN_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")
# what may stand outside a translation call: units and signs read the same in both languages
NEUTRAL = {"KB", "MB", "NV12345678"}


def _visible_text(source: str) -> tuple[list[str], list[str]]:
    """The texts of a template a visitor sees that are not computed by Jinja: text between tags and
    the values of shown attributes, after every {{ … }}, {% … %} and {# … #} is taken out."""
    source = re.sub(r"\{#.*?#\}", " ", source, flags=re.S)
    source = re.sub(r"\{%.*?%\}", " ", source, flags=re.S)
    source = re.sub(r"\{\{.*?\}\}", " ", source, flags=re.S)
    attributes = [value for name, value in re.findall(r'\s([a-z-]+)="([^"]*)"', source) if name in SHOWN_ATTRIBUTES]
    between = re.sub(r"<script.*?</script>|<style.*?</style>", " ", source, flags=re.S)
    between = re.sub(r"<[^>]*>", "\n", between)
    texts = [line.strip() for line in between.splitlines()]
    words = lambda text: [w for w in re.findall(r"[^\W\d_]{2,}", text) if w not in NEUTRAL]  # noqa: E731
    return [t for t in texts if words(t)], [a for a in attributes if words(a)]


@pytest.mark.parametrize("template", TRANSLATED_TEMPLATES)
def test_every_text_of_the_template_is_marked_for_translation(template):
    texts, attributes = _visible_text((ROOT / "templates" / template).read_text(encoding="utf-8"))
    assert texts == [] and attributes == [], f"{template}: wrap these in _(…): {texts + attributes}"


def test_the_check_finds_unmarked_text():
    texts, attributes = _visible_text('<p>{{ _("Gửi") }}</p><p>Send now</p><input placeholder="Your name">'
                                      '<small>{{ n }} KB</small>')
    assert texts == ["Send now"] and attributes == ["Your name"]


def _catalog():
    with CATALOG.open("rb") as fh:
        return read_po(fh, locale="vi")


def test_every_marked_text_has_a_vietnamese_translation():
    catalog = _catalog()
    untranslated = [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]
    assert untranslated == [], f"translate these in {CATALOG.relative_to(ROOT)}: {untranslated}"


def test_the_catalogue_knows_every_text_the_code_marks():
    method_map = [("portal/**.py", "python"), ("forms/**.py", "python"), ("templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
    marked = {message[2] if isinstance(message[2], str) else message[2][0]
              for message in extract_from_dir(str(ROOT), method_map, keywords=keywords)}
    known = {m.id for m in _catalog() if m.id}
    missing = sorted(marked - known)
    assert missing == [], f"run `make translations-update` and translate: {missing}"


def test_placeholders_survive_translation():
    for message in _catalog():
        if message.id and message.string:
            assert set(re.findall(r"%\(\w+\)s", message.id)) == set(re.findall(r"%\(\w+\)s", message.string)), \
                message.id
