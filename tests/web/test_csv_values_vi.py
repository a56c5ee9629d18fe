"""SLA exports with `lang=vi` say their values in Vietnamese words too: status, category, priority,
department (its own Vietnamese name), the SLA outcome and the self-resolved flag; numbers stay numbers
(no grouping, a decimal point) and times ISO 8601. Without `lang` the file is the contract's, codes and
all, byte for byte (pinned against the service's default text)."""
import csv
import datetime as dt
import io
import re

import openpyxl
import pytest

import vocabulary
from portal.services import reports, staff_actions
from portal.services.runtime import runtime
from sla import aggregates, ticket_report
from tests import factories

MANAGER = "manager@demo.test"
BOM = "\ufeff"
ISO_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d")
NUMBER = re.compile(r"-?\d+(\.\d+)?")


@pytest.fixture
def manager(client, auth, demo, now):
    late = factories.ticket(now - dt.timedelta(hours=30), seller="DEMO-001", category="finance", tracking=(),
                            first_responded_at=now - dt.timedelta(hours=2))
    staff_actions.reply(late, late.assignee, "Đã kiểm tra", False, now=now - dt.timedelta(hours=2))
    on_time = factories.ticket(now - dt.timedelta(minutes=50), seller="DEMO-002", category="delivery_delay",
                               tracking=())
    staff_actions.reply(on_time, on_time.assignee, "Đã nhận", False, now=now - dt.timedelta(minutes=40))
    factories.ticket(now - dt.timedelta(minutes=10), seller="DEMO-002", category="app_bug", tracking=())
    assert auth.login(MANAGER).status_code == 303
    return client


def days() -> dict[str, str]:
    today = dt.datetime.now(runtime().timezone).date()
    return {"from": str(today - dt.timedelta(days=2)), "to": str(today)}


def table(client, by: str, **params) -> tuple[str, list[dict]]:
    response = client.get("/reports/sla.csv", query_string={**days(), "by": by, **params})
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert text.startswith(BOM)
    return text, list(csv.DictReader(io.StringIO(text[len(BOM):])))


def columns(by: str) -> list[str]:
    return list(ticket_report.TICKET_COLUMNS) if by == "ticket" else aggregates.GROUPINGS[by] + aggregates.GROUP_COLUMNS


def test_per_ticket_values_in_vietnamese_words(manager):
    _, english = table(manager, "ticket")
    _, vi = table(manager, "ticket", lang="vi", headers="en")  # English header: compare column by column
    assert len(vi) == len(english) == 3
    by_reference = {row["reference"]: row for row in vi}
    departments = {code: d.name_vi for code, d in reports.departments_by_code().items()}
    assert all(departments.values())  # the demo's departments all have a Vietnamese name
    words = {**departments, "delivery_delay": "Trễ lấy / giao hàng",
             "app_bug": "Lỗi ứng dụng", "normal": "bình thường", "new": "Mới", "open": "Đang xử lý",
             "true": "Đạt hạn", "false": "Quá hạn", "": "Đang chờ"}
    for plain in english:
        worded = by_reference[plain["reference"]]
        for column in ("category", "priority", "status", "sla_met"):
            assert worded[column] == words[plain[column]], column
        assert worded["department"] == words[plain["department"]]
        assert worded["self_resolved"] == "Không" and plain["self_resolved"] == "false"
        for column, value in plain.items():  # everything else as the contract writes it
            if column not in ("department", "category", "priority", "status", "sla_met", "self_resolved"):
                assert worded[column] == value, column
        assert all(ISO_TIME.fullmatch(worded[c]) or not worded[c] for c in ("created_at", "first_responded_at"))
    assert {row["sla_met"] for row in vi} == {"Đạt hạn", "Quá hạn", "Đang chờ"}


@pytest.mark.parametrize("by", ["department", "category"])
def test_grouped_values_in_words_and_numbers_as_numbers(manager, by):
    _, english = table(manager, by)
    text, vi = table(manager, by, lang="vi", headers="en")
    key = by
    assert sorted(row[key] for row in english) != sorted(row[key] for row in vi)
    assert all(not re.fullmatch(r"[a-z_]+", row[key]) for row in vi)  # no code left
    for plain, worded in zip(english, vi, strict=True):
        for column in columns(by)[1:]:
            assert worded[column] == plain[column]
            assert not worded[column] or NUMBER.fullmatch(worded[column]), (column, worded[column])


def test_vietnamese_header_and_values_together(manager):
    text, rows = table(manager, "category", lang="vi")
    assert text[len(BOM):].startswith("Loại,Số yêu cầu,")
    assert {row["Loại"] for row in rows} == {"Tài chính", "Trễ lấy / giao hàng", "Lỗi ứng dụng"}


@pytest.mark.parametrize("by", reports.BYS)
def test_without_lang_the_file_is_the_contract_byte_for_byte(manager, by, now):
    text, rows = table(manager, by)
    day_from, day_to = (dt.date.fromisoformat(d) for d in days().values())
    service = "".join(reports.sla_csv(day_from, day_to, by, now=now, timezone=runtime().timezone))
    assert text.split("\r\n", 1)[0] == BOM + ",".join(columns(by))
    # the service's default: no language, or English, is the same text
    for lang in ("en", None):
        assert "".join(reports.sla_csv(day_from, day_to, by, now=now, timezone=runtime().timezone, lang=lang,
                                       values=lang)) == service
    assert len(text.splitlines()) == len(service.splitlines())
    if by in ("department", "category"):
        assert {row[by] for row in rows} <= set(reports.department_codes()) | set(vocabulary.CATEGORY_LABELS)
    if by == "ticket":
        assert {row["sla_met"] for row in rows} == {"true", "false", ""}
        assert {row["status"] for row in rows} <= {"new", "open"}
    assert table(manager, by, lang="en")[0] == text and table(manager, by, lang="fr")[0] == text


def test_xlsx_values_in_words_with_lang_vi(manager):
    def sheet(**params):
        response = manager.get("/reports/sla.xlsx", query_string={**days(), "by": "department", **params})
        assert response.status_code == 200
        rows = list(openpyxl.load_workbook(io.BytesIO(response.data))["SLA"].iter_rows(values_only=True))
        return rows[0], rows[1:]

    header, english = sheet()
    vi_header, vi = sheet(lang="vi")
    assert header[0] == "department" and vi_header[0] == "Bộ phận"
    assert {row[0] for row in english} >= {"finance", "delivery"}
    assert {row[0] for row in vi} >= {"Tài chính"} and not {row[0] for row in vi} & {"finance", "delivery"}
    for plain, worded in zip(english, vi, strict=True):
        assert worded[1:] == plain[1:]  # numbers stay numbers (cells of numbers, not text)
        assert all(isinstance(v, (int, float)) or v is None for v in worded[1:])
