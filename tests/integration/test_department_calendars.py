"""A department on business hours: the promise skips nights, weekends and holidays."""
import datetime as dt
from zoneinfo import ZoneInfo

from tests import factories

VN = ZoneInfo("Asia/Ho_Chi_Minh")
FINANCE = {"category": "finance", "description": "Chưa nhận tiền đối soát COD"}


def test_business_calendar_moves_friday_evening_tickets_to_monday(app, demo, runner):
    result = runner.invoke(args=["departments", "calendar", "finance", "--business"])
    assert result.exit_code == 0 and "business hours in Asia/Ho_Chi_Minh" in result.output
    friday_evening = dt.datetime(2026, 11, 27, 18, 0, tzinfo=VN)  # closed until Saturday 08:00
    ticket = factories.ticket(friday_evening, **FINANCE)
    # Saturday 08:00–12:00 gives 4 business hours: due at Saturday noon
    assert ticket.first_response_due_at.astimezone(VN) == dt.datetime(2026, 11, 28, 12, 0, tzinfo=VN)
    # 1 h left Saturday, 3 h on Monday
    saturday_late = factories.ticket(dt.datetime(2026, 11, 28, 11, 0, tzinfo=VN), **FINANCE)
    assert saturday_late.first_response_due_at.astimezone(VN) == dt.datetime(2026, 11, 30, 11, 0, tzinfo=VN)


def test_tet_and_admin_holidays_are_skipped_and_always_open_restores_24_7(app, demo, runner):
    runner.invoke(args=["departments", "calendar", "finance", "--business", "--holiday", "2027-02-12"])
    # Wednesday; Tết 2027 closes 4–10 Feb
    before_tet = factories.ticket(dt.datetime(2027, 2, 3, 16, 0, tzinfo=VN), **FINANCE)
    # 1.5 h on Wed 3 Feb; closed Thu 4 – Wed 10 (Tết), Thu 11 open 08:00–17:30 gives the remaining 2.5 h
    assert before_tet.first_response_due_at.astimezone(VN) == dt.datetime(2027, 2, 11, 10, 30, tzinfo=VN)
    # Friday 12 Feb closed by the admin
    on_extra_holiday = factories.ticket(dt.datetime(2027, 2, 12, 9, 0, tzinfo=VN), **FINANCE)
    assert on_extra_holiday.first_response_due_at.astimezone(VN) == dt.datetime(2027, 2, 13, 12, 0, tzinfo=VN)
    runner.invoke(args=["departments", "calendar", "finance", "--always-open"])
    created = dt.datetime(2027, 2, 6, 9, 0, tzinfo=VN)
    assert factories.ticket(created, **FINANCE).first_response_due_at == created + dt.timedelta(hours=4)


def test_bad_calendar_input_is_refused(app, demo, runner):
    assert "No department" in runner.invoke(args=["departments", "calendar", "moon"]).output
    bad = runner.invoke(args=["departments", "calendar", "finance", "--holiday", "tomorrow"])
    assert bad.exit_code != 0 and "Invalid calendar" in bad.output
    tz = runner.invoke(args=["departments", "calendar", "finance", "--timezone", "Mars/Olympus"])
    assert tz.exit_code != 0 and "unknown timezone" in tz.output
