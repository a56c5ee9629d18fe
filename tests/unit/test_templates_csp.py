"""Templates stay compatible with the Content-Security-Policy: no inline styles or scripts."""
import re
from pathlib import Path

import pytest

TEMPLATES = sorted((Path(__file__).resolve().parents[2] / "templates").rglob("*.html"))


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_no_inline_style_or_script(path):
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"<style\b|\sstyle=", text), "inline CSS is blocked by style-src 'self'"
    assert not re.search(r"<script(?![^>]*\bsrc=)", text), "inline scripts are blocked by script-src 'self'"
    assert not re.search(r"\son[a-z]+=", text), "inline event handlers are blocked"
