"""The seller's ticket page: thread, replies, instant answers, self-resolve, CSAT."""
import datetime as dt
import io

from sqlalchemy import select

from portal.extensions import db
from portal.models import Event, Message, Shipment, Ticket, User
from portal.services import staff_actions
from tests.files import png


def create(seller, path, **fields) -> Ticket:
    response = seller.submit(path, **fields)
    assert response.status_code == 303
    return db.session.scalar(select(Ticket).where(Ticket.reference == response.headers["Location"].rsplit("/", 1)[-1]))


def csrf_post(client, page, url, **data):
    from tests.clients import csrf_from

    return client.post(url, data={"csrf_token": csrf_from(client.get(page).get_data(as_text=True)), **data},
                       content_type="multipart/form-data")


def test_known_tracking_number_shows_status_and_self_resolve_is_not_a_first_response(client, demo, seller):
    path = seller.link_path()
    shipment = db.session.get(Shipment, "NVDEMO00001")
    shipment.status = "out_for_delivery"
    db.session.commit()
    ticket = create(seller, path, category="order_return_status", tracking_numbers="nvdemo00001 NV99999999",
                    description="Đơn này đang ở đâu vậy?")
    page = f"{path}/tickets/{ticket.reference}"
    html = client.get(page).get_data(as_text=True)
    assert "Latest shipment status" in html and "<strong>Out for delivery</strong>" in html
    assert shipment.last_event in html
    assert "This solves it" in html
    response = csrf_post(client, page, f"{page}/resolve")
    assert response.status_code == 303
    db.session.expire_all()
    ticket = db.session.get(Ticket, ticket.id)
    assert ticket.status == "resolved" and ticket.self_resolved and ticket.resolved_at
    assert ticket.first_responded_at is None
    event = db.session.scalars(select(Event).where(Event.ticket_id == ticket.id, Event.kind == "status_changed")).one()
    assert event.data["self_resolved"] is True


def test_a_status_the_portal_has_no_label_for_is_shown_as_the_carrier_sent_it(client, demo, seller):
    path = seller.link_path()
    db.session.get(Shipment, "NVDEMO00002").status = "held_at_customs"
    db.session.commit()
    ticket = create(seller, path, tracking_numbers="NVDEMO00002")
    html = client.get(f"{path}/tickets/{ticket.reference}").get_data(as_text=True)
    assert "<strong>held_at_customs</strong>" in html


def test_self_resolve_refused_without_known_shipment(client, demo, seller):
    path = seller.link_path()
    ticket = create(seller, path, tracking_numbers="NV99999999")
    page = f"{path}/tickets/{ticket.reference}"
    assert "This solves it" not in client.get(page).get_data(as_text=True)
    assert csrf_post(client, page, f"{page}/resolve").status_code == 409
    assert db.session.get(Ticket, ticket.id).status == "new"


def test_seller_reply_with_attachment_and_staff_reply_visible_but_not_notes(client, demo, seller, now):
    path = seller.link_path()
    ticket = create(seller, path)
    page = f"{path}/tickets/{ticket.reference}"
    response = csrf_post(client, page, f"{page}/reply", body="Thêm ảnh chụp đây ạ",
                         attachments=[(io.BytesIO(png()), "thêm.png")])
    assert response.status_code == 303
    agent = db.session.scalar(select(User).where(User.email == "agent1.delivery@demo.test"))
    staff_actions.reply(ticket, agent, "Chúng tôi đã nhận được, đang kiểm tra.", False, now=now)
    staff_actions.reply(ticket, agent, "NOTE: khách này hay phàn nàn", True, now=now)
    html = client.get(page).get_data(as_text=True)
    assert "Thêm ảnh chụp đây ạ" in html and "thêm.png" in html
    assert "Chúng tôi đã nhận được, đang kiểm tra." in html
    assert "khách này hay phàn nàn" not in html
    assert "We answered at" in html


def test_empty_reply_is_refused(client, demo, seller):
    path = seller.link_path()
    ticket = create(seller, path)
    page = f"{path}/tickets/{ticket.reference}"
    before = db.session.query(Message).count()
    response = csrf_post(client, page, f"{page}/reply", body="   ")
    assert response.status_code == 422 and "Write a message" in response.get_data(as_text=True)
    assert db.session.query(Message).count() == before


def test_reply_reopens_resolved_ticket(client, demo, seller, now):
    path = seller.link_path()
    ticket = create(seller, path)
    agent = db.session.scalar(select(User).where(User.email == "agent1.delivery@demo.test"))
    staff_actions.change_status(ticket, agent, "resolved", now=now)
    page = f"{path}/tickets/{ticket.reference}"
    assert csrf_post(client, page, f"{page}/reply", body="Vẫn chưa nhận được hàng").status_code == 303
    db.session.expire_all()
    ticket = db.session.get(Ticket, ticket.id)
    assert ticket.status == "open" and ticket.resolved_at is None


def test_rating_only_after_resolution_once_and_in_range(client, demo, seller, now):
    path = seller.link_path()
    ticket = create(seller, path)
    page = f"{path}/tickets/{ticket.reference}"
    assert "How did we do?" not in client.get(page).get_data(as_text=True)
    assert csrf_post(client, page, f"{page}/rating", score="5").status_code == 409
    agent = db.session.scalar(select(User).where(User.email == "agent1.delivery@demo.test"))
    staff_actions.reply(ticket, agent, "Đã giao lại cho bưu cục.", False, now=now + dt.timedelta(minutes=4))
    staff_actions.change_status(ticket, agent, "resolved", now=now + dt.timedelta(minutes=5))
    assert "How did we do?" in client.get(page).get_data(as_text=True)
    bad = csrf_post(client, page, f"{page}/rating", score="9")
    assert bad.status_code == 422 and "from 1 to 5" in bad.get_data(as_text=True)
    assert csrf_post(client, page, f"{page}/rating", score="4", comment="Nhanh, cảm ơn!").status_code == 303
    db.session.expire_all()
    ticket = db.session.get(Ticket, ticket.id)
    assert (ticket.csat_score, ticket.csat_comment) == (4, "Nhanh, cảm ơn!")
    assert csrf_post(client, page, f"{page}/rating", score="1").status_code == 409
    assert db.session.get(Ticket, ticket.id).csat_score == 4
    assert "You rated this answer 4/5" in client.get(page).get_data(as_text=True)


def test_missed_promise_is_said_plainly(client, demo, seller, now, runner):
    path = seller.link_path()
    ticket = create(seller, path)
    later = (ticket.first_response_due_at + dt.timedelta(minutes=1)).isoformat()
    assert runner.invoke(args=["sla", "sweep", "--now", later]).exit_code == 0
    ticket.first_response_due_at = now - dt.timedelta(minutes=1)
    db.session.commit()
    html = client.get(f"{path}/tickets/{ticket.reference}").get_data(as_text=True)
    assert "are late" in html and "escalated to the team lead" in html
