"""Seller import shared by the CLI and the admin console; the CLI's seller commands are audited."""
import datetime as dt
import io

from openpyxl import Workbook
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEvent, Seller
from portal.services import links, seller_import, sellers

ROWS = [["code", "name", "phone", "locale"],
        ["S-1", "Shop Một", "0901111111", "vi"],
        ["DEMO-001", "Shop Hoa Mai Mới", "0900000001", "vi"],
        ["S-2", "", "0902222222", "vi"],
        ["S-1", "Shop Một lại", "", ""],
        ["S-3", "Shop Ba", "+84 903 333 333", "EN"]]


def _csv() -> str:
    return "".join(",".join(row) + "\n" for row in ROWS)


def _xlsx() -> bytes:
    book = Workbook()
    for row in ROWS:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def test_csv_and_xlsx_read_alike_and_classify_without_writing(app, demo):
    from_csv, from_xlsx = seller_import.parse_csv(_csv()), seller_import.parse_xlsx(_xlsx())
    assert from_csv == from_xlsx
    assert seller_import.parse_upload("list.csv", _csv().encode("utf-8-sig")) == from_csv
    assert seller_import.parse_upload("no-extension", _xlsx()) == from_xlsx  # told apart by content
    plan = seller_import.classify(from_csv)
    assert [(r.line, r.action) for r in plan.rows] == [(2, "add"), (3, "update"), (4, "reject"), (5, "reject"),
                                                       (6, "add")]
    assert plan.of("reject")[1].reason == "code S-1 appears twice in the file"
    assert plan.of("update")[0].changes == [("name", "Shop Hoa Mai", "Shop Hoa Mai Mới")]
    assert plan.digest() == seller_import.classify(from_xlsx).digest()
    db.session.rollback()
    assert sellers.by_code("S-1") is None and not _events("seller.imported")


def test_cli_import_add_and_revoke_are_audited_as_cli(app, demo, runner, tmp_path):
    path = tmp_path / "sellers.csv"
    path.write_text(_csv(), encoding="utf-8")
    result = runner.invoke(args=["sellers", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "added=2 updated=1 unchanged=0 rejected=2" in result.output
    assert "line 4: rejected: name: A seller needs a name." in result.output
    imported = _events("seller.imported")
    assert [(e.target_label, e.actor_label) for e in imported] == [("S-1", "cli"), ("DEMO-001", "cli"),
                                                                   ("S-3", "cli")]
    assert imported[1].before["name"] == "Shop Hoa Mai" and imported[1].after["name"] == "Shop Hoa Mai Mới"
    assert imported[0].before is None and imported[2].after["phone"] == "+84903333333"
    again = runner.invoke(args=["sellers", "import", str(path)])
    assert "added=0 updated=0 unchanged=3 rejected=2" in again.output and len(_events("seller.imported")) == 3

    assert runner.invoke(args=["sellers", "add", "--code", "CLI-1", "--name", "Shop CLI"]).exit_code == 0
    [added] = _events("seller.added")
    assert (added.target_label, added.actor_label, added.after["name"]) == ("CLI-1", "cli", "Shop CLI")

    revoked = runner.invoke(args=["sellers", "revoke", "CLI-1"])
    assert revoked.exit_code == 0 and "revoked all links of CLI-1; new key version 2" in revoked.output
    [event] = _events("seller.link_revoked")
    assert (event.actor_label, event.before, event.after) == ("cli", {"link_version": 1}, {"link_version": 2})


def test_a_refused_add_records_nothing(app, demo, runner):
    before = db.session.scalar(select(func.count(AuditEvent.id)))
    dup = runner.invoke(args=["sellers", "add", "--code", "DEMO-001", "--name", "Again"])
    assert dup.exit_code != 0 and "already exists" in dup.output
    assert db.session.scalar(select(func.count(AuditEvent.id))) == before


def test_url_maker_gives_the_same_links_as_link_url(app, demo):
    seller = sellers.by_code("DEMO-002")
    sellers.rotate_link(seller, now=dt.datetime.now(dt.UTC), actor_label="test")
    make = links.url_maker("k", "http://portal.test/")
    assert make(seller.id, seller.link_version) == links.link_url(seller, "k", "http://portal.test")
    assert db.session.get(Seller, seller.id).link_version == 2
