"""No export carries a formula. Sellers, agents and a department whose names start like a formula are
written straight into the database (as an import or an old row holds them, past any check at input),
then read back from every CSV and XLSX the portal writes: /reports/sla.csv (by ticket, seller, agent,
department), /reports/sla.xlsx, the seller links export, `report sla --out` and the scheduler's files.
CSV cells carry a leading ' (read with the csv module); XLSX cells are text cells holding the
original text (read with openpyxl); numbers, a negative one included, stay numbers."""
from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
import subprocess

import openpyxl
import pytest
from sqlalchemy import insert, select, update

from portal import scheduler
from portal.extensions import db
from portal.models import Department, Seller, Ticket, User
from portal.services import seller_import, tickets
from portal.services.runtime import runtime
from tests.clients import csrf_from

HOSTILE = ['=HYPERLINK("http://x","y")', "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]
DEPARTMENT = "=HYPERLINK(\"http://d\")"
MANAGER = "manager@demo.test"
SOFFICE = shutil.which("soffice")


def email(text: str) -> str:
    return f"{text}@evil.test"


@pytest.fixture
def hostile(app, demo, now):
    """Per hostile text: a seller and an agent of that name (the agent's e-mail starts with it too),
    and a ticket of that seller, assigned to that agent, in the department DEPARTMENT, created
    yesterday (local). The first ticket was answered 5 minutes before it was created (an old row):
    a negative number, which must stay a number. Returns yesterday's local date."""
    rt = runtime()
    yesterday = now.astimezone(rt.timezone).date() - dt.timedelta(days=1)
    created = dt.datetime.combine(yesterday, dt.time(12), rt.timezone).astimezone(dt.UTC)
    department_id = db.session.execute(insert(Department).values(code=DEPARTMENT, name="Evil department")
                                       .returning(Department.id)).scalar_one()
    for i, text in enumerate(HOSTILE):
        seller_id = db.session.execute(insert(Seller).values(code=f"EVIL-{i}", name=text, locale="en",
                                                             link_version=1, created_at=created, updated_at=created)
                                       .returning(Seller.id)).scalar_one()
        agent_id = db.session.execute(insert(User).values(email=email(text), name=text, password_hash="x",
                                                          role="agent", active=True, on_duty=True, created_at=created)
                                      .returning(User.id)).scalar_one()
        db.session.commit()
        ticket, _ = tickets.create_ticket(db.session.get(Seller, seller_id), tickets.NewTicket(
            category="other", description="Đơn hàng bị chậm"), now=created + dt.timedelta(minutes=i), rt=rt)
        changes = {"assignee_id": agent_id, "department_id": department_id}
        if i == 0:
            changes["first_responded_at"] = ticket.created_at - dt.timedelta(minutes=5)
        db.session.execute(update(Ticket).where(Ticket.id == ticket.id).values(**changes))
        db.session.commit()
    return yesterday


def csv_rows(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:], newline="")))


def check_csv(text: str, by: str) -> None:
    """Every hostile text in the columns of `by` comes back marked, and nothing else is touched."""
    rows = csv_rows(text)
    columns = {"ticket": ("seller_name", "agent_name"), "seller": ("seller_name",), "agent": ("agent_name",),
               "department": ()}[by]
    for column in columns:
        assert sorted(row[column] for row in rows) == sorted("'" + text for text in HOSTILE), column
    if by in ("ticket", "agent"):
        assert sorted(row["agent"] for row in rows) == sorted("'" + email(text) for text in HOSTILE)
    if by in ("ticket", "department"):
        assert {row["department"] for row in rows if row["department"] != DEPARTMENT} == {"'" + DEPARTMENT}
    minutes = "first_response_minutes" if by == "ticket" else "first_response_median_minutes"
    first = {"ticket": "seller_name", "seller": "seller_name", "agent": "agent_name"}.get(by)
    if first:  # the ticket answered before it was created: a negative number, not marked
        [row] = [row for row in rows if row[first] == "'" + HOSTILE[0]]
        assert row[minutes] == "-5.0"


def xlsx_cells(data: bytes) -> list:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row if cell.value is not None]


def as_stored(text: str) -> str:
    # XML reads a carriage return inside text as a line feed (XML 1.0 § 2.11): the cell keeps the
    # rest of the text, and it is a text cell either way
    return text.replace("\r", "\n")


def check_xlsx(data: bytes, by: str) -> None:
    cells = xlsx_cells(data)
    assert not [cell for cell in cells if cell.data_type == "f"]  # no formula anywhere
    found = {cell.value: cell for cell in cells}
    wanted = [*HOSTILE, *(email(text) for text in HOSTILE)] if by == "agent" else list(HOSTILE)
    if by == "department":
        wanted = [DEPARTMENT]
    for text in wanted:
        cell = found[as_stored(text)]
        assert cell.data_type == "s", text
    sheet = openpyxl.load_workbook(io.BytesIO(data))["SLA"]
    header = [cell.value for cell in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        assert row[header.index("tickets")].data_type == "n" and isinstance(row[header.index("tickets")].value, int)
    if by in ("seller", "agent"):
        key = header.index("seller_name" if by == "seller" else "agent_name")
        [row] = [row for row in sheet.iter_rows(min_row=2) if row[key].value == HOSTILE[0]]
        median = row[header.index("first_response_median_minutes")]
        assert median.value == -5.0 and median.data_type == "n"


@pytest.fixture
def manager(client, auth, hostile):
    assert auth.login(MANAGER).status_code == 303
    return client


def report_range(day: dt.date) -> dict[str, str]:
    return {"from": day.isoformat(), "to": (day + dt.timedelta(days=1)).isoformat()}


@pytest.mark.parametrize("by", ["ticket", "seller", "agent", "department"])
def test_sla_csv_marks_text_that_starts_like_a_formula(manager, hostile, by):
    response = manager.get("/reports/sla.csv", query_string={**report_range(hostile), "by": by})
    assert response.status_code == 200
    check_csv(response.get_data(as_text=True), by)


def test_sla_csv_with_vietnamese_headers_marks_the_same_cells(manager, hostile):
    response = manager.get("/reports/sla.csv", query_string={**report_range(hostile), "by": "seller",
                                                             "headers": "vi"})
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True)[1:], newline="")))
    assert sorted(row[1] for row in rows[1:]) == sorted("'" + text for text in HOSTILE)


@pytest.mark.parametrize("by", ["seller", "agent", "department"])
def test_sla_xlsx_writes_text_cells(manager, hostile, by):
    response = manager.get("/reports/sla.xlsx", query_string={**report_range(hostile), "by": by})
    assert response.status_code == 200
    check_xlsx(response.data, by)


@pytest.mark.parametrize(("by", "suffix"), [("ticket", "csv"), ("seller", "csv"), ("agent", "csv"),
                                            ("seller", "xlsx"), ("agent", "xlsx")])
def test_cli_report_files(runner, hostile, tmp_path, by, suffix):
    out = tmp_path / f"report.{suffix}"
    result = runner.invoke(args=["report", "sla", *(f"--{k}={v}" for k, v in report_range(hostile).items()),
                                 "--by", by, "--out", str(out)])
    assert result.exit_code == 0, result.output
    if suffix == "csv":
        check_csv(out.read_bytes().decode("utf-8"), by)
    else:
        check_xlsx(out.read_bytes(), by)


def test_scheduled_report_files(app, hostile):
    check_csv(scheduler.daily_report_job(app).read_bytes().decode("utf-8"), "ticket")
    check_csv(scheduler.weekly_report_job(app).read_bytes().decode("utf-8"), "department")


def test_seller_export_marks_every_text_and_imports_back_as_it_was(client, auth, hostile, tmp_path, monkeypatch,
                                                                   app):
    monkeypatch.setitem(app.config, "SELLER_IMPORTS_DIR", str(tmp_path / "imports"))
    db.session.execute(update(Seller).where(Seller.code == "EVIL-1").values(phone="+84901234567"))
    db.session.commit()
    assert auth.login("admin@demo.test").status_code == 303
    csrf = csrf_from(client.get("/admin/sellers").get_data(as_text=True))
    response = client.post("/admin/sellers/export.csv", data={"csrf_token": csrf})
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    rows = {row["code"]: row for row in csv_rows(text)}
    assert [rows[f"EVIL-{i}"]["name"] for i in range(len(HOSTILE))] == ["'" + text for text in HOSTILE]
    assert rows["EVIL-1"]["phone"] == "'+84901234567"
    # the portal's own import reads the marks off again: an export imports as it was
    parsed = {code: (name, phone) for _line, code, name, phone, _locale in seller_import.parse_csv(text)}
    assert [parsed[f"EVIL-{i}"][0] for i in range(len(HOSTILE))] == HOSTILE
    assert parsed["EVIL-1"][1] == "+84901234567"
    assert db.session.scalar(select(Seller.name).where(Seller.code == "EVIL-0")) == HOSTILE[0]


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed: apt-get install libreoffice-calc-nogui")
def test_libreoffice_opens_the_ticket_csv_without_a_formula(manager, hostile, tmp_path):
    """The real reader: LibreOffice turns an unmarked =HYPERLINK(…) cell into a live formula; the
    marked cells of the export stay text."""
    response = manager.get("/reports/sla.csv", query_string={**report_range(hostile), "by": "ticket"})
    (tmp_path / "sla.csv").write_bytes(response.data)
    subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo-profile",
                    "--infilter=CSV:44,34,76,1", "--convert-to", "xlsx", "--outdir", str(tmp_path),
                    str(tmp_path / "sla.csv")], check=True, capture_output=True, timeout=120)
    sheet = openpyxl.load_workbook(tmp_path / "sla.xlsx").active
    header = [cell.value for cell in sheet[1]]
    rows = list(sheet.iter_rows(min_row=2))
    assert len(rows) == len(HOSTILE)
    assert not [cell for row in rows for cell in row if cell.data_type == "f"]
    names = [row[header.index("seller_name")] for row in rows]
    assert all(cell.data_type == "s" for cell in names)
    assert {cell.value for cell in names} >= {"'" + text for text in HOSTILE[:4]}
