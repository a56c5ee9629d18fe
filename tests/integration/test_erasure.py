"""`sellers forget CODE`: the seller's personal data goes everywhere it was kept (tickets, messages,
files, search index, webhook payloads, audit trail), their tickets stay and keep counting in the SLA
report, and a second run finds nothing left. SQLite and PostgreSQL."""
from __future__ import annotations

import csv
import datetime as dt
import json

import pytest
from sqlalchemy import func, select, text

from portal.extensions import db
from portal.models import Attachment, AuditEvent, Message, Seller, Ticket, User, WebhookDelivery
from portal.services import erasure, inbox, links, sellers, staff_actions, tickets, uploads, webhooks
from portal.services.errors import LinkRevoked
from portal.services.runtime import runtime
from tests import factories
from tests.files import png

NAME, PHONE, OLD_CODE, CODE = "Cửa hàng Quỳnh Như", "0912345678", "QN-OLD", "QN-001"
SECRETS = ("Quỳnh", "quynh", PHONE, "0987654321", "tôi ở 12 Lý Thường Kiệt", "ly thuong kiet", "rất tệ")


@pytest.fixture
def customer(demo, now, dns):
    """A seller with a history: added, renamed (new code), three tickets with replies, notes, files,
    a rating with a comment, and webhook deliveries of their replies."""
    webhooks.add_endpoint("https://chat.example.com/portal", "ticket_created,ticket_replied", None, now=now)
    sellers.add_seller(sellers.SellerData(OLD_CODE, "Quỳnh Như", PHONE), now=now, actor_label="cli")
    seller = sellers.by_code(OLD_CODE)
    sellers.edit_seller(seller.id, sellers.SellerData(CODE, NAME, PHONE), now=now, actor_label="cli")
    agent = db.session.scalar(select(User).where(User.email == "agent1.delivery@demo.test"))
    references = []
    for hours, category in ((30, "delivery_delay"), (20, "finance"), (2, "delivery_delay")):
        ticket = factories.ticket(now - dt.timedelta(hours=hours), seller=CODE, category=category,
                                  description="Quỳnh đây, tôi ở 12 Lý Thường Kiệt, gọi 0987654321",
                                  tracking=("NVQN0001",), phone="0987654321", files=(("cmnd.png", png()),))
        references.append(ticket.reference)
        factories.message(ticket, "Quỳnh gửi thêm ảnh", now=now - dt.timedelta(hours=hours - 1),
                          files=(("more.png", png()),))
        factories.message(ticket, "Chào Quỳnh, chúng tôi đang kiểm tra", by=agent,
                          now=now - dt.timedelta(hours=hours - 1, minutes=-5))
        factories.message(ticket, "Gọi 0987654321 không được", by=agent, internal=True,
                          now=now - dt.timedelta(hours=hours - 2))
    first = tickets.seller_ticket(seller, references[0])
    staff_actions.change_status(first, agent, "resolved", now=now - dt.timedelta(hours=3))
    tickets.rate(first, 2, "rất tệ, Quỳnh không hài lòng", now=now - dt.timedelta(hours=2))
    return sellers.by_code(CODE), references


def files_of(seller_id: int) -> list[str]:
    return list(db.session.scalars(select(Attachment.stored_name).join(Ticket, Ticket.id == Attachment.ticket_id)
                                   .where(Ticket.seller_id == seller_id)))


def everything_kept_about(seller_id: int) -> str:
    """Every text the database keeps about the seller, as one string to search in."""
    ticket_ids = select(Ticket.id).where(Ticket.seller_id == seller_id)
    parts = [*db.session.execute(select(Seller.name, Seller.phone).where(Seller.id == seller_id)).one()]
    for row in db.session.execute(select(Ticket.description, Ticket.contact_phone, Ticket.csat_comment,
                                         Ticket.search_text).where(Ticket.seller_id == seller_id)):
        parts += list(row)
    parts += db.session.scalars(select(Message.body).where(Message.ticket_id.in_(ticket_ids))).all()
    parts += db.session.scalars(select(WebhookDelivery.payload_json)
                                .where(WebhookDelivery.ticket_id.in_(ticket_ids))).all()
    for before, after in db.session.execute(select(AuditEvent.before_json, AuditEvent.after_json)
                                            .where(AuditEvent.target_kind == "seller")):
        parts += [before, after]
    return json.dumps([p for p in parts if p], ensure_ascii=False)


def report(runner, tmp_path, now, by: str) -> list[dict]:
    day = now.astimezone(runtime().timezone).date()
    out = tmp_path / f"{by}-{len(list(tmp_path.iterdir()))}.csv"
    result = runner.invoke(args=["report", "sla", "--from", str(day - dt.timedelta(days=3)), "--to", str(day),
                                 "--by", by, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))


def search(q: str, now: dt.datetime) -> list[str]:
    admin = db.session.scalar(select(User).where(User.role == "admin"))
    rows, _ = inbox.queue(admin, inbox.QueueFilter(q=q, status="all"), now)
    return [t.reference for t in rows]


def test_forget_erases_the_personal_data_and_keeps_the_anonymous_tickets(app, customer, runner, tmp_path, now):
    seller, references = customer
    token = links.link_token(seller, app.config["SECRET_KEY"])
    stored = files_of(seller.id)
    assert len(stored) == 6 and all(uploads.stored_path(n, runtime().upload_dir).exists() for n in stored)
    assert all(secret in everything_kept_about(seller.id) for secret in (NAME, PHONE, "Lý Thường Kiệt", "rất tệ"))
    assert search("quynh", now) and search("ly thuong kiet", now)
    by_department, by_ticket = report(runner, tmp_path, now, "department"), report(runner, tmp_path, now, "ticket")
    other = sellers.by_code("DEMO-002")
    other_before = (other.name, other.phone)
    db.session.commit()

    result = runner.invoke(args=["sellers", "forget", CODE])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == ("name=1 phone=1 tickets=3 messages=12 attachments=6 files=6 "
                                              "webhook_deliveries=6 audit_events=2")
    assert "links revoked" in result.output

    db.session.expire_all()
    seller = sellers.by_code(CODE)  # the code stays: it is the company's own id for the seller
    assert (seller.name, seller.phone) == ("", None) and seller.erased_at is not None
    kept = everything_kept_about(seller.id)
    for secret in SECRETS + (NAME,):
        assert secret not in kept
    assert files_of(seller.id) == []
    assert not any(uploads.stored_path(n, runtime().upload_dir).exists() for n in stored)
    with pytest.raises(LinkRevoked):
        links.seller_for_token(token, app.config["SECRET_KEY"])
    # the search index holds no word of the erased text; the reference still finds the ticket
    assert search("quynh", now) == [] and search("ly thuong kiet", now) == []
    assert search(references[0], now) == [references[0]]
    if db.engine.dialect.name == "sqlite":
        assert db.session.execute(text("SELECT count(*) FROM tickets_search WHERE tickets_search MATCH 'quynh'"))\
            .scalar() == 0
    # the tickets stay, and so do the figures
    first = db.session.scalar(select(Ticket).where(Ticket.reference == references[0]))
    assert (first.status, first.csat_score, first.csat_comment, first.tracking_numbers) == ("resolved", 2, None,
                                                                                           "NVQN0001")
    assert db.session.scalar(select(func.count(Ticket.id)).where(Ticket.seller_id == seller.id)) == 3
    assert report(runner, tmp_path, now, "department") == by_department
    after = report(runner, tmp_path, now, "ticket")
    assert [{**row, "seller_name": ""} for row in by_ticket] == after
    other = sellers.by_code("DEMO-002")
    assert (other.name, other.phone) == other_before  # nobody else's data is touched
    [erased] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "seller.erased")).all()
    assert erased.actor_label == "cli" and erased.target_label == CODE and erased.before_json is None


def test_a_second_run_says_nothing_is_left_and_writes_nothing(app, customer, runner):
    runner.invoke(args=["sellers", "forget", CODE])
    db.session.expire_all()
    version = sellers.by_code(CODE).link_version
    audit_count = db.session.scalar(select(func.count(AuditEvent.id)))
    db.session.commit()
    again = runner.invoke(args=["sellers", "forget", CODE])
    assert again.exit_code == 0
    assert again.output.splitlines()[0] == f"nothing left to erase for seller {CODE}"
    assert again.output.splitlines()[-1] == ("name=0 phone=0 tickets=0 messages=0 attachments=0 files=0 "
                                             "webhook_deliveries=0 audit_events=0")
    db.session.expire_all()
    assert sellers.by_code(CODE).link_version == version
    assert db.session.scalar(select(func.count(AuditEvent.id))) == audit_count


def test_an_unknown_code_is_refused(app, demo, runner):
    result = runner.invoke(args=["sellers", "forget", "NOBODY"])
    assert result.exit_code != 0 and "NOBODY" in result.output


def test_a_failure_erases_nothing_and_removes_no_file(app, customer, now, monkeypatch):
    seller, _references = customer
    stored = files_of(seller.id)
    db.session.commit()

    def refuse(*args, **kwargs):
        raise RuntimeError("the audit record could not be written")

    monkeypatch.setattr(erasure.audit, "record", refuse)
    with pytest.raises(RuntimeError):
        erasure.forget_seller(CODE, now=now, upload_dir=runtime().upload_dir, actor_label="cli")
    db.session.expire_all()
    assert sellers.by_code(CODE).name == NAME and files_of(seller.id) == stored
    assert all(uploads.stored_path(n, runtime().upload_dir).exists() for n in stored)
    assert "Lý Thường Kiệt" in everything_kept_about(seller.id)
