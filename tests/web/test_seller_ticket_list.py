"""The seller's tickets: the latest ten under the form, all of them a page at a time behind a
link, newest first, never another seller's."""
import datetime as dt
import re

from tests import factories


def series(code: str, count: int, start: dt.datetime, same_time: bool = False) -> list[str]:
    """`count` tickets of the seller, one a minute from `start` (all at `start` if same_time);
    their references, oldest first."""
    return [factories.ticket(start if same_time else start + dt.timedelta(minutes=i), seller=code, category="other",
                             description=f"Câu hỏi số {i} về đơn hàng", tracking=()).reference for i in range(count)]


def shown(html: str) -> list[str]:
    return re.findall(r'<li><a href="[^"]*/tickets/([^"]+)">', html)


def test_the_form_page_shows_the_latest_ten_and_links_to_the_rest(client, demo, seller, now):
    made = series("DEMO-001", 12, now - dt.timedelta(hours=1))
    path = seller.link_path()
    html = client.get(path).get_data(as_text=True)
    assert shown(html) == made[::-1][:10]
    assert f'href="{path}/tickets">All your tickets</a>' in html


def test_no_link_when_everything_is_shown(client, demo, seller, now):
    made = series("DEMO-001", 10, now - dt.timedelta(hours=1))
    html = client.get(seller.link_path()).get_data(as_text=True)
    assert shown(html) == made[::-1] and "All your tickets" not in html


def test_the_list_pages_through_every_ticket_once_newest_first(client, demo, seller, now):
    made = series("DEMO-001", 65, now - dt.timedelta(hours=3))
    series("DEMO-002", 5, now - dt.timedelta(hours=2))  # another seller's never appear
    path, seen = seller.link_path(), []
    url = f"{path}/tickets"
    for _page in range(10):
        response = client.get(url)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        seen += shown(html)
        older = re.search(r'href="([^"]*\?before=[^"]+)">Older tickets', html)
        if not older:
            break
        url = older.group(1).replace("&amp;", "&")
        assert url.startswith(f"{path}/tickets?before=")
    assert seen == made[::-1]


def test_tickets_created_in_the_same_instant_are_neither_lost_nor_repeated(client, demo, seller, now):
    made = series("DEMO-001", 35, now - dt.timedelta(hours=1), same_time=True)
    first = client.get(f"{seller.link_path()}/tickets").get_data(as_text=True)
    before = re.search(r'\?before=([^"]+)">Older tickets', first).group(1)
    second = client.get(f"{seller.link_path()}/tickets?before={before}").get_data(as_text=True)
    assert sorted(shown(first) + shown(second)) == sorted(made) and len(shown(first)) == 30


def test_another_sellers_or_an_unknown_reference_gives_the_first_page(client, demo, seller, now):
    mine = series("DEMO-001", 3, now - dt.timedelta(hours=1))
    theirs = series("DEMO-002", 1, now - dt.timedelta(hours=2))
    for before in (theirs[0], "NO-SUCH-REF", "x" * 5000, "' OR 1=1 --"):
        response = client.get(f"{seller.link_path()}/tickets", query_string={"before": before})
        assert response.status_code == 200 and shown(response.get_data(as_text=True)) == mine[::-1]


def test_the_list_in_vietnamese(app, demo, seller, now):
    from tests.clients import FreshGClient

    series("DEMO-001", 1, now - dt.timedelta(hours=1))
    app.test_client_class = FreshGClient
    fresh = app.test_client()
    html = fresh.get(f"{seller.link_path()}/tickets?lang=vi").get_data(as_text=True)
    assert "Báo cáo vấn đề mới" in html and "Các yêu cầu của bạn" in html
