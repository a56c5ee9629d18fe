"""Reports by resolution reason on a small known data set, through the CLI, the CSV service and the
dashboard. Local days (UTC+7):
  A carrier delay: created 6th 09:00, resolved 10:00 (60 min).
  B carrier delay: created 6th 12:00, resolved 15:00, reopened by the seller 16:00, resolved again
    18:00 (handling 360 min from creation; reopened once).
  C wrong address: created 7th 09:00, resolved 09:30 (30 min).
  D: created 7th 10:00, still open, no reason.
Carrier delay: 2 tickets, handling median and mean 210 min, reopen rate 0.5; wrong address: 1 ticket,
30 min, 0; no reason: 1 ticket, no handling time."""
import csv
import datetime as dt

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import ResolutionReason, User
from portal.services import reports, resolution_reasons, staff_actions, tickets
from portal.services.runtime import runtime
from tests import factories

ICT = dt.timezone(dt.timedelta(hours=7))


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=ICT)


@pytest.fixture
def scenario(app, demo):
    agent = db.session.scalar(select(User).where(User.email == "agent1.delivery@demo.test"))
    rt = runtime()
    a = factories.ticket(at(6, 9))
    staff_actions.reply(a, agent, "Đã kiểm tra.", False, now=at(6, 9, 30))
    staff_actions.change_status(a, agent, "resolved", now=at(6, 10), reason="carrier_delay", require_reason=True)
    b = factories.ticket(at(6, 12), submission_key="b")
    staff_actions.reply(b, agent, "Đã giao lại.", False, now=at(6, 13), status="resolved", reason="carrier_delay",
                        require_reason=True)
    staff_actions.change_status(b, agent, "open", now=at(6, 14))  # moved back by staff: not a reopening of
    staff_actions.change_status(b, agent, "resolved", now=at(6, 15), reason="carrier_delay")  # the seller's…
    tickets.seller_reply(b, "Vẫn chưa nhận được hàng!", (), now=at(6, 16), rt=rt)  # …but it counts as one too
    staff_actions.change_status(b, agent, "resolved", now=at(6, 18), reason="carrier_delay", require_reason=True)
    c = factories.ticket(at(7, 9), submission_key="c")
    staff_actions.reply(c, agent, "Sai địa chỉ, đã sửa.", False, now=at(7, 9, 30), status="resolved",
                        reason="wrong_address", require_reason=True)
    factories.ticket(at(7, 10), submission_key="d")
    return a, b, c


def by_reason(rows: list[dict]) -> dict[str, dict]:
    return {row["reason"]: row for row in rows}


def test_the_cli_writes_tickets_handling_and_reopen_rate_per_reason(runner, scenario, tmp_path):
    out = tmp_path / "reasons.csv"
    result = runner.invoke(args=["report", "sla", "--from", "2026-03-06", "--to", "2026-03-07", "--by", "reason",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0])[:3] == ["reason", "reason_label", "tickets"]
    found = by_reason(rows)
    assert set(found) == {"carrier_delay", "wrong_address", "(none)"}
    carrier = found["carrier_delay"]
    assert (carrier["reason_label"], carrier["tickets"], carrier["resolved"]) == ("Carrier delay", "2", "2")
    assert float(carrier["handling_median_minutes"]) == 210.0 and float(carrier["handling_mean_minutes"]) == 210.0
    # B went back to open twice (staff once, the seller once): two reopenings, one ticket reopened
    assert (carrier["reopens"], carrier["reopened"], float(carrier["reopened_share"])) == ("2", "1", 0.5)
    wrong = found["wrong_address"]
    assert (wrong["reason_label"], wrong["tickets"], float(wrong["handling_mean_minutes"])) == ("Wrong address",
                                                                                               "1", 30.0)
    assert float(wrong["reopened_share"]) == 0.0
    none = found["(none)"]
    assert (none["reason_label"], none["tickets"], none["resolved"], none["handling_mean_minutes"]) == ("", "1",
                                                                                                       "0", "")


def test_a_switched_off_reason_still_labels_its_tickets_in_reports(app, scenario):
    reason = db.session.scalar(select(ResolutionReason).where(ResolutionReason.code == "wrong_address"))
    resolution_reasons.set_active(reason.id, False, actor="test")
    table = reports.grouped(dt.date(2026, 3, 6), dt.date(2026, 3, 7), "reason", now=at(8, 9),
                            timezone=runtime().timezone)
    labels = dict(zip(table["reason"], table["reason_label"], strict=True))
    assert labels["wrong_address"] == "Wrong address"


def test_the_dashboard_shows_the_reasons_in_the_page_language(client, auth, scenario):
    auth.login("manager@demo.test")
    query = {"from": "2026-03-06", "to": "2026-03-07"}
    english = client.get("/reports", query_string={**query, "lang": "en"}).get_data(as_text=True)
    section = english.split('id="reasons"', 1)[1].split("</section>", 1)[0]
    assert "By resolution reason" in section
    rows = [row for row in section.split("<tr>")[2:]]
    assert rows[0].startswith('<th scope="row">Carrier delay</th>')  # the most frequent first
    assert ">2<" in rows[0] and "3.5 h" in rows[0] and "50.0%" in rows[0]
    assert rows[1].startswith('<th scope="row">Wrong address</th>') and "30 min" in rows[1] and "0.0%" in rows[1]
    assert rows[2].startswith('<th scope="row">no reason given</th>')
    assert "by=reason" in section
    vietnamese = client.get("/reports", query_string={**query, "lang": "vi"}).get_data(as_text=True)
    section = vietnamese.split('id="reasons"', 1)[1].split("</section>", 1)[0]
    assert "Theo lý do giải quyết" in section and "Hãng vận chuyển giao chậm" in section and "Sai địa chỉ" in section
    assert "carrier_delay" not in section


def test_a_file_asked_for_in_vietnamese_labels_the_reasons_in_vietnamese(app, scenario):
    text = "".join(reports.sla_csv(dt.date(2026, 3, 6), dt.date(2026, 3, 7), "reason", now=at(8, 12),
                                   timezone=runtime().timezone))
    english = by_reason(list(csv.DictReader(text.lstrip("\ufeff").splitlines())))
    assert english["carrier_delay"]["reason_label"] == "Carrier delay"
    chunks = reports.sla_csv(dt.date(2026, 3, 6), dt.date(2026, 3, 7), "reason", now=at(8, 12),
                             timezone=runtime().timezone, lang="vi", values="vi")
    rows = list(csv.reader("".join(chunks).lstrip("\ufeff").splitlines()))
    labels = {row[0]: row[1] for row in rows[1:]}
    assert labels["carrier_delay"] == "Hãng vận chuyển giao chậm" and labels["wrong_address"] == "Sai địa chỉ"
    assert labels["(none)"] == ""
