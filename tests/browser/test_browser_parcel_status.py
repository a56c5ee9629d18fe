"""A seller on their phone types a tracking number the portal knows: its status appears under the
field before any ticket, only for parcel questions, and "This answers my question" ends there."""
from __future__ import annotations

import re

from tests.browser.helpers import PHONE


def test_the_status_appears_as_the_seller_types_and_can_end_the_question(new_page, portal, seller_link):
    page = new_page(lang="en", **PHONE)
    page.goto(seller_link)
    result = page.locator("#parcel-status")
    assert result.get_attribute("role") == "status" and result.get_attribute("aria-live") == "polite"
    page.get_by_label("What is the problem about?").select_option("delivery_delay")
    page.get_by_label("Tracking numbers").press_sequentially("nvdemo00007", delay=20)
    question = result.get_by_text("Does this answer your question?")
    question.wait_for()
    assert "NVDEMO00007" in result.inner_text() and result.locator("strong").count() == 1
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"the form scrolls sideways: {widths}"

    # not a parcel question: no status, no "Check status"
    page.get_by_label("What is the problem about?").select_option("finance")
    page.locator(".parcel-check").wait_for(state="hidden")
    page.get_by_label("What is the problem about?").select_option("order_return_status")
    question.wait_for()

    # "I still need help": the choice goes, the statuses stay, the seller writes on
    result.get_by_role("button", name="I still need help").click()
    assert question.count() == 0 and "NVDEMO00007" in result.inner_text()
    assert page.evaluate("document.activeElement.id") == "description"

    page.get_by_label("Tracking numbers").press_sequentially(" NVDEMO00008", delay=20)
    question.wait_for()
    answer = result.get_by_role("button", name="This answers my question")
    assert answer.bounding_box()["height"] >= 44
    answer.click()
    page.wait_for_url(re.compile(r"/status/answered$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Glad the parcel status answered your question"
