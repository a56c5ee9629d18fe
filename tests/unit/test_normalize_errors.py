"""A normaliser's refusal carries its English message and values apart, to be shown in any language."""
import pytest

import normalize


def test_the_message_and_its_values_stay_apart_until_shown():
    with pytest.raises(normalize.NormalizeError) as caught:
        normalize.text("abcdef", max_length=5)
    error = caught.value
    assert error.message == "Please keep this under %(limit)s characters (now %(length)s)."
    assert error.params == {"limit": 5, "length": 6}
    assert str(error) == "Please keep this under 5 characters (now 6)."
    translated = {error.message: "Bitte unter %(limit)s Zeichen bleiben (jetzt %(length)s)."}
    assert error.text(lambda message, **values: translated[message] % values) == \
        "Bitte unter 5 Zeichen bleiben (jetzt 6)."


def test_a_message_without_values_is_shown_as_written():
    with pytest.raises(normalize.NormalizeError) as caught:
        normalize.seller_code("no spaces allowed")
    assert caught.value.params == {}
    assert caught.value.text(lambda message, **values: f"[{message}]") == \
        "[A seller code is 1–64 letters, digits, dots, dashes or underscores.]"
    with pytest.raises(normalize.NormalizeError, match="At most 50 tracking numbers per ticket"):
        normalize.tracking_numbers(" ".join(f"NV{n:08d}" for n in range(51)))
