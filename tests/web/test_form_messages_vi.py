"""WTForms' built-in messages (a forged choice, a number out of range) reach the page in its
language: WTForms ships no Vietnamese, the portal's catalogue has them."""
import pytest

from tests.clients import seller_browser


@pytest.fixture
def vi_seller(app):
    return seller_browser(app, "vi")


@pytest.fixture
def en_seller(app):
    return seller_browser(app, "en")


def test_a_forged_choice_is_refused_in_vietnamese(demo, vi_seller):
    response = vi_seller.submit(vi_seller.link_path(), category="not-a-category")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Lựa chọn không hợp lệ." in page and "Not a valid choice." not in page


def test_the_same_refusal_in_english(demo, en_seller):
    response = en_seller.submit(en_seller.link_path(), category="not-a-category")
    assert response.status_code == 422 and "Not a valid choice." in response.get_data(as_text=True)


def test_the_catalogue_is_found_once_per_request_not_loaded_per_form(app, demo, vi_seller, monkeypatch):
    from babel import support

    loads = []
    original = support.Translations.load
    monkeypatch.setattr(support.Translations, "load",
                        classmethod(lambda cls, *a, **k: loads.append(a) or original.__func__(cls, *a, **k)))
    path = vi_seller.link_path()
    vi_seller.client.get(path)
    vi_seller.submit(path, category="not-a-category")
    # WTForms' own catalogue (domain "wtforms") is never read: its messages come from the portal's
    assert not [a for a in loads if "wtforms" in str(a)]
