"""The form's promise on a phone: the script shows the chosen kind of problem's promise only."""
from __future__ import annotations

from tests.browser.helpers import PHONE


def test_the_form_shows_the_chosen_categorys_promise(new_page, seller_link):
    page = new_page(**PHONE)
    page.goto(seller_link)
    promises = page.locator("#promises li")
    assert promises.count() == 5
    category = page.get_by_label("What is the problem about?")
    chosen = category.input_value()
    visible = [li.get_attribute("data-category") for li in promises.all() if li.is_visible()]
    assert visible == [chosen]

    category.select_option("finance")
    finance = page.locator('#promises li[data-category="finance"]')
    finance.wait_for(state="visible")
    assert "The Finance team answers within 4 hours" in finance.inner_text()
    assert [li.get_attribute("data-category") for li in promises.all() if li.is_visible()] == ["finance"]
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1]
