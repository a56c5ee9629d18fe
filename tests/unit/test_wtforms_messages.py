"""WTForms' own messages are all listed for the portal's catalogue, and forms translate them
with it."""
import re
from pathlib import Path

import wtforms

from forms.wtforms_messages import MESSAGES


def test_the_list_is_wtforms_own_message_template():
    template = (Path(wtforms.__file__).parent / "locale" / "wtforms.pot").read_text(encoding="utf-8")
    expected = [(singular, plural) if plural else singular
                for singular, plural in re.findall(r'\nmsgid "(.+?)"\n(?:msgid_plural "(.+?)"\n)?', template)]
    assert list(MESSAGES) == expected
