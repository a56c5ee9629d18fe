"""Every text of every template is marked for translation, scripts take their texts from the page,
and every marked text has its Vietnamese translation in the catalogue (which is in step with the code)."""
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "translations" / "vi" / "LC_MESSAGES" / "messages.po"
TEMPLATES = ROOT / "templates"
# every page, partial and macro file: a text a visitor can see is never left out of the catalogue
TRANSLATED_TEMPLATES = sorted(path.relative_to(TEMPLATES).as_posix() for path in TEMPLATES.rglob("*.html"))
SHOWN_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt", "data-label")
SCRIPT_TEXT_ATTRIBUTE = "data-text-"  # texts a script shows, handed to it by the page
# what may stand outside a translation call: units and signs read the same in both languages
NEUTRAL = {"KB", "MB", "NV12345678", "NV"}  # NV: the prefix of the example tracking number
NEUTRAL_LITERALS = {"Authorization: Bearer <token>"}  # HTTP header syntax, shown as code
SCRIPTS = sorted((ROOT / "static").glob("*.js"))
_STRING = r"""(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')"""
# a literal that reads as words: two words in a row, or a capitalised word ('Met', 'Copied ✓')
_PROSE = re.compile(r"[^\W\d_]{2,}\s+[^\W\d_]{2,}|(?<![\w.-])[A-Z][a-z]+\b")


def _visible_text(source: str) -> tuple[list[str], list[str]]:
    """The texts of a template a visitor sees that are not computed by Jinja: text between tags and
    the values of shown attributes, after every {{ … }}, {% … %} and {# … #} is taken out."""
    source = re.sub(r"\{#.*?#\}", " ", source, flags=re.S)
    source = re.sub(r"\{%.*?%\}", " ", source, flags=re.S)
    source = re.sub(r"\{\{.*?\}\}", " ", source, flags=re.S)
    attributes = [value for name, value in re.findall(r'\s([a-z-]+)="([^"]*)"', source)
                  if name in SHOWN_ATTRIBUTES or name.startswith(SCRIPT_TEXT_ATTRIBUTE)]
    between = re.sub(r"<script.*?</script>|<style.*?</style>", " ", source, flags=re.S)
    between = re.sub(r"<[^>]*>", "\n", between)
    texts = [line.strip() for line in between.splitlines()]
    words = lambda text: [w for w in re.findall(r"[^\W\d_]{2,}", text) if w not in NEUTRAL]  # noqa: E731
    return [t for t in texts if words(t)], [a for a in attributes if words(a)]


@pytest.mark.parametrize("template", TRANSLATED_TEMPLATES)
def test_every_text_of_the_template_is_marked_for_translation(template):
    texts, attributes = _visible_text((TEMPLATES / template).read_text(encoding="utf-8"))
    assert texts == [] and attributes == [], f"{template}: wrap these in _(…): {texts + attributes}"


def test_the_check_finds_unmarked_text():
    texts, attributes = _visible_text('<p>{{ _("Gửi") }}</p><p>Send now</p><input placeholder="Your name">'
                                      '<small>{{ n }} KB</small>')
    assert texts == ["Send now"] and attributes == ["Your name"]


def _literal_texts(source: str) -> list[str]:
    """Texts written as string literals inside {{ … }} and {% … %} (macro arguments, `set` lists of
    legend names) that are not the message of a translation call, nor an `example=` of one."""
    source = re.sub(r"\{#.*?#\}", " ", source, flags=re.S)
    found = []
    for tag in re.findall(r"\{\{.*?\}\}|\{%.*?%\}", source, flags=re.S):
        tag = re.sub(rf"\b(?:_|gettext|ngettext|pgettext|npgettext)\(\s*{_STRING}(?:\s*,\s*{_STRING}){{0,2}}", "_(",
                     tag)
        tag = re.sub(rf"\bexample={_STRING}", "", tag)
        found += [literal[1:-1] for literal in re.findall(_STRING, tag)]
    return [text for text in found if _PROSE.search(text) and text not in NEUTRAL_LITERALS]


@pytest.mark.parametrize("template", TRANSLATED_TEMPLATES)
def test_no_text_hides_in_a_jinja_literal(template):
    texts = _literal_texts((TEMPLATES / template).read_text(encoding="utf-8"))
    assert texts == [], f"{template}: wrap these in _(…): {texts}"


def test_the_check_finds_texts_in_literals():
    source = ("{% set OUTCOMES = [{'key': 'met', 'name': 'Met'}, {'key': 'due', 'name': _('Due')}] %}"
              "{{ chart('Tickets per day', rows, 'day') }}{{ 'no ratings' if none else _('Rated') }}"
              "{{ ngettext('%(num)s ticket', '%(num)s tickets', n) }}{{ pgettext('rule', 'When') }}"
              "{{ _('e.g. %(example)s', example='binh an') }}{% extends 'staff_base.html' %}")
    assert _literal_texts(source) == ["Met", "Tickets per day", "no ratings"]


def _script_texts(source: str) -> list[str]:
    """Texts a script would show in one language whatever the page's: prose in string literals (a
    style value aside), and any literal with a word handed to textContent, alert() or confirm() that
    is not a plain name such as an attribute's."""
    found = []
    source = re.sub(r"/\*.*?\*/|(?:^|(?<=\s))//[^\n]*", "", source, flags=re.S | re.M)  # comments may say anything
    for statement in source.split(";"):
        literals = [literal[1:-1] for literal in re.findall(_STRING, statement)]
        if ".style." not in statement:
            found += [text for text in literals if _PROSE.search(text) or re.search(r"[^\x00-\x7f]", text)]
        shown = re.search(r"\.(?:textContent|innerText|innerHTML|title|placeholder)\s*=[^=]"
                          r"|\b(?:alert|confirm|prompt)\(", statement)
        if shown:  # what is handed to the page: a name (of an attribute) or a {placeholder} may stand there
            found += [text for text in (literal[1:-1] for literal in re.findall(_STRING, statement[shown.start():]))
                      if re.search(r"[^\W\d_]{2,}", text) and not re.fullmatch(r"[a-z][a-z0-9-]*|\{\w+\}", text)
                      and text not in found]
    return found


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: path.name)
def test_scripts_take_their_texts_from_the_page(script):
    texts = _script_texts(script.read_text(encoding="utf-8"))
    assert texts == [], f"{script.name}: pass these from the template with _(…) in a data-text-… attribute: {texts}"


def test_the_check_finds_texts_in_scripts():
    source = '''
      // Comments may say anything, "Even This".
      button.hidden = false;  // the seller's "Own Words"
      /* a "Block Comment" */
      button.textContent = ok ? "Copied ✓" : button.getAttribute("data-text-failed");
      if (!window.confirm("Revoke the link?")) event.preventDefault();
      function fmt(neg) { return (neg ? "overdue by " : "còn ") + when; }
      box.style.fontFamily = "ui-monospace, SFMono-Regular, Menlo, monospace";
      el.textContent = "(" + fmt(due) + ")"; p.hidden = list.join(", ") === "";
      fetch(url, {headers: {"X-Partial": "1"}, credentials: "same-origin"});
    '''
    assert _script_texts(source) == ["Copied ✓", "Revoke the link?", "overdue by ", "còn "]


def _catalog():
    with CATALOG.open("rb") as fh:
        return read_po(fh, locale="vi")


def test_every_marked_text_has_a_vietnamese_translation():
    catalog = _catalog()
    untranslated = [m.id for m in catalog if m.id and (m.fuzzy or not all(m.string if m.pluralizable else [m.string]))]
    assert untranslated == [], f"translate these in {CATALOG.relative_to(ROOT)}: {untranslated}"


def test_the_catalogue_knows_every_text_the_code_marks():
    method_map = [("portal/**.py", "python"), ("forms/**.py", "python"), ("vocabulary/**.py", "python"),
                  ("normalize/**.py", "python"),
                  ("templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None, "N_": None,
                "pgettext": ((1, "c"), 2)}
    marked = {message[2] if isinstance(message[2], str) else message[2][0]
              for message in extract_from_dir(str(ROOT), method_map, keywords=keywords)}
    known = {m.id[0] if m.pluralizable else m.id for m in _catalog() if m.id}
    missing = sorted(marked - known)
    assert missing == [], f"run `make translations-update` and translate: {missing}"


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdifr]", text))


def test_placeholders_survive_translation():
    for message in _catalog():
        if not message.id or not message.string:
            continue
        if message.pluralizable:  # every form says what the plural says (Vietnamese has one form)
            expected = _placeholders(message.id[1])
            assert all(_placeholders(form) == expected for form in message.string), message.id
        else:
            assert _placeholders(message.id) == _placeholders(message.string), message.id
