"""The staff ticket page tells the history as sentences in the page's language and local time, never as
event codes, JSON or e-mail addresses."""
import datetime as dt
import re

from portal.services import sla_jobs, staff_actions
from tests import factories
from tests.clients import csrf_from


def _history(client, reference: str, lang: str) -> list[str]:
    page = client.get(f"/tickets/{reference}?lang={lang}").get_data(as_text=True)
    section = page[page.index('<ol class="events">'):]
    section = section[:section.index("</ol>")]
    return [re.sub(r"<[^>]+>", "", item).strip() for item in re.findall(r"<li[^>]*>(.*?)</li>", section, re.S)]


def test_a_tickets_day_reads_as_sentences_in_vietnamese(client, demo, auth, now):
    ticket = factories.ticket(now - dt.timedelta(hours=6))
    agent = ticket.assignee
    sla_jobs.sweep(now, manager_after=dt.timedelta(hours=24))
    staff_actions.reply(ticket, agent, "Đã kiểm tra", False, now=now)
    staff_actions.change_priority(ticket, agent, "high", now=now)
    auth.login()
    page = client.get(f"/tickets/{ticket.reference}?lang=vi").get_data(as_text=True)
    client.post(f"/tickets/{ticket.reference}/transfer",
                data={"csrf_token": csrf_from(page), "department": "finance", "reason": "Về tiền COD"})
    auth.login("manager@demo.test")
    lines = _history(client, ticket.reference, "vi")
    text = "\n".join(lines)
    assert re.search(r"\d{1,2}:\d{2}", lines[0].split(" — ")[0])  # local time first
    assert lines[0].endswith(" — Người bán gửi yêu cầu về Trễ lấy / giao hàng")
    assert "Chuyển tới Lấy và giao hàng, mức ưu tiên bình thường" in text
    assert f"Hệ thống giao cho {agent.name} vì ít việc nhất" in text
    assert "Phản hồi đầu tiên đã trễ hạn" in text and "Đã báo lên trưởng nhóm" in text
    assert f"{agent.name} trả lời người bán" in text
    assert f"{agent.name} đổi trạng thái từ mới sang đang xử lý" in text
    assert f"{agent.name} đổi mức ưu tiên từ bình thường sang cao" in text
    assert "chuyển yêu cầu từ Lấy và giao hàng sang Tài chính: Về tiền COD" in text
    for code in ("status_changed", "assigned", "routed", "sla_breached", "delivery", "finance", "{", "@demo.test"):
        assert code not in text, code


def test_english_pages_say_the_same_in_english(client, demo, auth, now):
    ticket = factories.ticket(now)
    auth.login()
    text = "\n".join(_history(client, ticket.reference, "en"))
    assert "The seller wrote the ticket about" in text
    assert "Routed to Pickup &amp; delivery with priority" in text
    assert "System assigned it to" in text and "who had the fewest open tickets" in text
