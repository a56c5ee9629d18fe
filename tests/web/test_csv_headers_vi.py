"""SLA exports with their header row in Vietnamese: asked for on the URL (`lang=vi`, or `headers=vi`),
never because of a cookie or a browser setting; without it the header is the column names of the
contract, byte for byte. `headers=vi` changes the header row only; `lang=vi` also writes the values'
codes in words (tests/web/test_csv_values_vi.py)."""
import csv
import datetime as dt
import io
import re

import openpyxl
import pytest
from flask_babel import force_locale

from portal.services import reports, seller_export, seller_import, sellers, staff_actions
from portal.services.runtime import runtime
from sla import aggregates, ticket_report
from tests import factories
from tests.clients import csrf_from

MANAGER = "manager@demo.test"
BOM = "\ufeff"


@pytest.fixture
def manager(client, auth, demo, now):
    made = []
    for minutes, category, code in ((30, "delivery_delay", "DEMO-002"), (90, "finance", "DEMO-001")):
        made.append(factories.ticket(now - dt.timedelta(minutes=minutes), seller=code, category=category,
                                     description="Đơn hàng bị chậm, chưa thấy giao", tracking=()))
    staff_actions.reply(made[0], made[0].assignee, "Đã nhận", False, now=now - dt.timedelta(minutes=20))
    assert auth.login(MANAGER).status_code == 303
    return client


def vietnamese(columns: list[str]) -> list[str]:
    with force_locale("vi"):
        return [str(reports.COLUMN_LABELS[column]) for column in columns]


def machine_columns(by: str) -> list[str]:
    return list(ticket_report.TICKET_COLUMNS) if by == "ticket" else aggregates.GROUPINGS[by] + aggregates.GROUP_COLUMNS


def download(client, by: str, **params) -> str:
    today = dt.datetime.now(runtime().timezone).date()
    response = client.get("/reports/sla.csv", query_string={"from": str(today - dt.timedelta(days=1)),
                                                            "to": str(today), "by": by, **params})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith(BOM)
    return text[len(BOM):]


def split(text: str) -> tuple[list[str], str]:
    """The header row as cells, and everything after it."""
    first, rest = text.split("\r\n", 1)
    return next(csv.reader([first])), rest


@pytest.mark.parametrize("by", reports.BYS)
def test_vietnamese_header_row_for_every_grouping(manager, by):
    english, vi = download(manager, by), download(manager, by, headers="vi")
    assert split(download(manager, by, lang="vi"))[0] == split(vi)[0]
    english_header, english_rows = split(english)
    vi_header, vi_rows = split(vi)
    assert english_header == machine_columns(by)
    assert vi_header == vietnamese(machine_columns(by))
    assert vi_rows == english_rows and english_rows
    if by == "ticket":
        assert english_rows.count("\r\n") == 2
    assert all(label and label not in machine_columns(by) for label in vi_header)
    assert len(set(vi_header)) == len(vi_header), "two columns would share a header"
    # a spreadsheet reads the labels back as the column names
    assert list(next(csv.DictReader(io.StringIO(vi)))) == vi_header


@pytest.mark.parametrize("by", reports.BYS)
def test_without_an_explicit_request_the_header_is_the_contract_byte_for_byte(manager, by):
    default = download(manager, by)
    assert download(manager, by, lang="en") == default
    assert download(manager, by, headers="en") == default
    manager.set_cookie("lang", "vi")  # a manager who reads the pages in Vietnamese…
    assert download(manager, by) == default  # …still downloads the contract's header
    assert split(download(manager, by, headers="en", lang="vi"))[0] == split(default)[0]
    assert split(download(manager, by, headers="vi", lang="en"))[0] == vietnamese(machine_columns(by))
    manager.set_cookie("lang", "en")
    assert manager.get("/reports/sla.csv", query_string={"by": by},
                       headers={"Accept-Language": "vi"}).get_data(as_text=True)[len(BOM):] == default


def test_vietnamese_labels_in_words(manager):
    header, _ = split(download(manager, "ticket", lang="vi"))
    assert header[:6] == ["Mã yêu cầu", "Mã người bán", "Bộ phận", "Loại", "Ưu tiên", "Trạng thái"]
    assert "Đạt SLA" in header and "Hạn phản hồi đầu tiên" in header
    grouped, _ = split(download(manager, "department", lang="vi"))
    assert grouped[:4] == ["Bộ phận", "Số yêu cầu", "Đạt hạn", "Quá hạn"]


def test_an_unknown_header_language_is_refused(manager):
    today = dt.datetime.now(runtime().timezone).date()
    refused = manager.get("/reports/sla.csv", query_string={"to": str(today), "headers": "fr"})
    assert refused.status_code == 400 and "en or vi" in refused.get_data(as_text=True)
    vi = manager.get("/reports/sla.csv", query_string={"to": str(today), "headers": "fr", "lang": "vi"})
    assert vi.status_code == 400 and "en hoặc vi" in vi.get_data(as_text=True)
    # an unknown `lang` changes nothing: the pages ignore it too
    assert download(manager, "day", lang="fr") == download(manager, "day")


def test_the_service_default_is_the_english_header(manager, now):
    day = now.astimezone(runtime().timezone).date()
    args = (day - dt.timedelta(days=1), day, "ticket")
    default = "".join(reports.sla_csv(*args, now=now, timezone=runtime().timezone))
    assert "".join(reports.sla_csv(*args, now=now, timezone=runtime().timezone, lang="en")) == default
    assert default.startswith(BOM + ",".join(ticket_report.TICKET_COLUMNS) + "\r\n")


def test_xlsx_header_rows_in_vietnamese(manager):
    def sheets(**params):
        response = manager.get("/reports/sla.xlsx", query_string={"by": "agent", **params})
        assert response.status_code == 200
        book = openpyxl.load_workbook(io.BytesIO(response.data))
        return ([c.value for c in book["SLA"][1]], [[c.value for c in row] for row in book["SLA"].iter_rows(min_row=2)],
                [[c.value for c in row] for row in book["About"].iter_rows()])

    english, english_rows, english_about = sheets()
    vi, vi_rows, vi_about = sheets(lang="vi")
    assert english == machine_columns("agent") and vi == vietnamese(machine_columns("agent"))
    assert vi_rows == english_rows
    assert english_about[0] == ["parameter", "value"] and english_about[1][0] == "from"
    assert vi_about[0] == ["Tham số", "Giá trị"] and [row[0] for row in vi_about[1:]] == [
        "Từ ngày", "Đến ngày", "Nhóm theo", "Bộ phận", "Múi giờ", "Thời điểm tạo báo cáo"]
    assert [row[1] for row in vi_about[1:-1]] == [row[1] for row in english_about[1:-1]]


def test_dashboard_links_ask_for_the_viewers_language(manager):
    english = manager.get("/reports").get_data(as_text=True)
    links = re.findall(r'href="(/reports/sla\.(?:csv|xlsx)\?[^"]*)"', english)
    assert links and all("lang=en" in link for link in links)
    vi = manager.get("/reports", query_string={"lang": "vi"}).get_data(as_text=True)
    links = re.findall(r'href="(/reports/sla\.(?:csv|xlsx)\?[^"]*)"', vi)
    assert links and all("lang=vi" in link for link in links)
    followed = manager.get(links[0].replace("&amp;", "&"))
    assert followed.status_code == 200
    assert followed.get_data(as_text=True).startswith(BOM) and "Số yêu cầu" in followed.get_data(as_text=True)


def test_seller_export_header_in_vietnamese_imports_back(client, auth, demo):
    assert auth.login("admin@demo.test").status_code == 303
    token = csrf_from(client.get("/admin/sellers").get_data(as_text=True))

    def export(query: str = "", **data) -> str:
        response = client.post(f"/admin/sellers/export.csv{query}", data={"csrf_token": token, **data})
        assert response.status_code == 200 and response.mimetype == "text/csv"
        return response.get_data(as_text=True)

    default = export()
    assert default.startswith(BOM + ",".join(seller_export.EXPORT_COLUMNS) + "\r\n")
    assert export("?lang=en") == export(headers="en") == default
    client.set_cookie("lang", "vi")
    assert export() == default  # reading the pages in Vietnamese does not change the file
    vi = export("?lang=vi")
    assert export(headers="vi") == vi
    header, rows = split(vi[len(BOM):])
    assert header == ["Mã người bán", "Tên cửa hàng", "Điện thoại", "Ngôn ngữ", "Đường dẫn"]
    assert rows == split(default[len(BOM):])[1]
    assert client.post("/admin/sellers/export.csv?headers=fr", data={"csrf_token": token}).status_code == 422
    # the Vietnamese file imports as it is: every seller found, nothing to change
    plan = seller_import.classify(seller_import.parse_upload("sellers.csv", vi.encode("utf-8")))
    assert plan.counts() == {"add": 0, "update": 0, "unchanged": sellers.count(), "reject": 0}


def test_the_export_button_asks_for_the_pages_language(client, auth, demo):
    assert auth.login("admin@demo.test").status_code == 303
    for lang in ("en", "vi"):
        page = client.get(f"/admin/sellers?lang={lang}").get_data(as_text=True)
        assert f'action="/admin/sellers/export.csv?lang={lang}"' in page
