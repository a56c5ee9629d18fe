"""POST /api/v1/shipments/events: the carrier's live feed. Events are kept in the parcels' history,
applied in order of occurred_at (an older one never overwrites a newer status), a repeat counts
once, a bad batch applies nothing; a delivery on an open delivery-delay ticket is pointed out to
the agent, once. And `orders import` goes the same way."""
from __future__ import annotations

import datetime as dt
import json
import random
import threading
import time

import pytest
from sqlalchemy import func, select, update

from portal.extensions import db, limiter
from portal.models import Event, Notification, Shipment, ShipmentEvent, Ticket, User
from portal.services import integration_tokens, staff_actions
from tests import factories

URL = "/api/v1/shipments/events"
T0 = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)


def at(minutes: int) -> str:
    return (T0 + dt.timedelta(minutes=minutes)).isoformat()


def ev(number: str, status: str, minutes: int, words: str = "", **extra) -> dict:
    return {"tracking_number": number, "status": status, "event": words or status, "occurred_at": at(minutes),
            **extra}


@pytest.fixture
def token(app, now) -> str:
    raw, _row = integration_tokens.issue("Carrier feed", actor="test", now=now)
    return raw


@pytest.fixture
def post(client, token):
    def send(body, *, raw: str | None = None, **kwargs):
        headers = {"Authorization": f"Bearer {raw or token}"}
        if "data" in kwargs:
            return client.post(URL, headers=headers, **kwargs)
        return client.post(URL, headers=headers, json=body)
    return send


def parcel(number: str) -> Shipment | None:
    db.session.expire_all()
    return db.session.get(Shipment, number)


def history_count() -> int:
    return db.session.scalar(select(func.count()).select_from(ShipmentEvent))


# --- tokens ---------------------------------------------------------------------------------------

def test_no_token_a_wrong_one_or_a_revoked_one_is_401_and_applies_nothing(client, app, now, token):
    body = {"events": [ev("NV10000001", "in_transit", 0)]}
    missing = client.post(URL, json={"events": []})
    assert missing.status_code == 401 and missing.get_json()["error"]["status"] == 401
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    wrong = client.post(URL, json=body, headers={"Authorization": "Bearer pit_not-a-real-token"})
    assert wrong.status_code == 401 and 'error="invalid_token"' in wrong.headers["WWW-Authenticate"]
    raw, row = integration_tokens.issue("old feed", actor="test", now=now)
    integration_tokens.revoke(row.id, actor="test", now=now)
    revoked = client.post(URL, json=body, headers={"Authorization": f"Bearer {raw}"})
    assert revoked.status_code == 401
    assert history_count() == 0 and parcel("NV10000001") is None


def test_use_is_noted_at_most_once_a_minute(app, post, token):
    from portal.models import IntegrationToken
    assert post({"events": []}).status_code == 202
    row = db.session.scalar(select(IntegrationToken))
    first = row.last_used_at
    assert first is not None
    assert post({"events": []}).status_code == 202
    db.session.expire_all()
    assert db.session.scalar(select(IntegrationToken)).last_used_at == first


# --- applying -------------------------------------------------------------------------------------

def test_a_batch_is_accepted_and_a_repeat_is_ignored(app, post):
    body = {"events": [ev("nv10000001", "picked_up", 0, "Đã lấy hàng"), ev("NV10000002", "in_transit", 5)]}
    first = post(body)
    assert first.status_code == 202 and first.get_json() == {"accepted": 2, "ignored": 0}
    shipment = parcel("NV10000001")  # normalised as the form and the import normalise
    assert (shipment.status, shipment.last_event, shipment.event_at) == ("picked_up", "Đã lấy hàng", T0)
    again = post(body)
    assert again.get_json() == {"accepted": 0, "ignored": 2}
    twice = post({"events": [ev("NV10000003", "in_transit", 1), ev("NV10000003", "in_transit", 1)]})
    assert twice.get_json() == {"accepted": 1, "ignored": 1}
    assert history_count() == 3
    sources = set(db.session.scalars(select(ShipmentEvent.source)))
    assert sources == {"feed"}


def test_an_older_event_joins_the_history_but_never_overwrites(app, post):
    post({"events": [ev("NV10000001", "delivered", 60, "Giao thành công")]})
    late = post({"events": [ev("NV10000001", "in_transit", 10, "Đang trung chuyển")]})
    assert late.get_json() == {"accepted": 1, "ignored": 0}
    shipment = parcel("NV10000001")
    assert (shipment.status, shipment.last_event) == ("delivered", "Giao thành công")
    kept = list(db.session.scalars(select(ShipmentEvent.status).where(ShipmentEvent.tracking_number == "NV10000001")
                                   .order_by(ShipmentEvent.occurred_at)))
    assert kept == ["in_transit", "delivered"]


def test_a_batch_out_of_order_is_applied_by_occurred_at(app, post):
    events = [ev("NV10000001", "delivered", 90), ev("NV10000001", "created", 0), ev("NV10000001", "in_transit", 30),
              ev("NV10000002", "in_transit", 30), ev("NV10000002", "out_for_delivery", 45)]
    assert post({"events": events}).get_json() == {"accepted": 5, "ignored": 0}
    assert parcel("NV10000001").status == "delivered"
    assert parcel("NV10000002").status == "out_for_delivery"
    assert parcel("NV10000001").event_at == T0 + dt.timedelta(minutes=90)


def test_the_seller_code_is_stored_and_an_unknown_status_kept_as_given(app, post):
    post({"events": [ev("NV10000001", "in_transit", 0, seller_code="DEMO-001"),
                     ev("NV10000002", "held_at_customs", 0, seller_code=None)]})
    assert parcel("NV10000001").seller_code == "DEMO-001"
    assert (parcel("NV10000002").status, parcel("NV10000002").seller_code) == ("held_at_customs", None)
    # a newer event without a code keeps the parcel's seller; an older one with a code names it
    post({"events": [ev("NV10000001", "delivered", 10), ev("NV10000002", "created", -5, seller_code="DEMO-002")]})
    assert (parcel("NV10000001").status, parcel("NV10000001").seller_code) == ("delivered", "DEMO-001")
    assert (parcel("NV10000002").status, parcel("NV10000002").seller_code) == ("held_at_customs", "DEMO-002")


BAD_BODIES = [
    ({"events": "NV10000001"}, "events"),
    ([ev("NV10000001", "created", 0)], None),
    ({"events": [ev("NV10000001", "created", 0), {"status": "created", "event": "", "occurred_at": at(0)}]},
     "events[1].tracking_number"),
    ({"events": [ev("NV10000001", "created", 0), ev("NV10000002", "created", 0) | {"occurred_at": "yesterday"}]},
     "events[1].occurred_at"),
    ({"events": [ev("NV10000001", "created", 0), ev("bad!", "created", 0)]}, "events[1].tracking_number"),
    ({"events": [ev("NV10000001", "", 0)]}, "events[0].status"),
    ({"events": [ev("NV10000001", "created", 0), 42]}, "events[1]"),
    ({"events": [ev("NV10000001", "created", 0) | {"event": 5}]}, "events[0].event"),
    ({"events": [ev("NV10000001", "created", 0) | {"seller_code": "no spaces"}]}, "events[0].seller_code"),
    ({"events": [ev("NV10000001", "created", 0) | {"occurred_at": "0001-01-01T00:00:00+07:00"}]},
     "events[0].occurred_at"),
]


@pytest.mark.parametrize(("body", "field"), BAD_BODIES)
def test_a_malformed_batch_is_400_naming_the_event_and_applies_nothing(app, post, body, field):
    response = post(body)
    assert response.status_code == 400, response.get_json()
    error = response.get_json()["error"]
    assert error["status"] == 400 and error["message"]
    if field:
        assert list(error["fields"]) == [field]
    assert history_count() == 0 and parcel("NV10000001") is None


def test_not_json_is_refused_and_applies_nothing(app, post):
    broken = post(None, data="{not json", content_type="application/json")
    assert broken.status_code == 400 and "not valid JSON" in broken.get_json()["error"]["message"]
    text = post(None, data="events", content_type="text/plain")
    assert text.status_code == 415
    assert history_count() == 0


def test_more_than_1000_events_is_413_and_applies_nothing(app, post):
    events = [ev(f"NV2{i:07d}", "created", i) for i in range(1001)]
    response = post({"events": events})
    assert response.status_code == 413
    assert "1000" in response.get_json()["error"]["message"]
    assert history_count() == 0
    full = post({"events": events[:1000]})
    assert full.status_code == 202 and full.get_json() == {"accepted": 1000, "ignored": 0}
    assert history_count() == 1000 and db.session.scalar(select(func.count()).select_from(Shipment)) >= 1000


def test_each_integration_token_has_its_own_budget(app, client, post, now, monkeypatch):
    limiter.reset()
    monkeypatch.setitem(app.config, "RATELIMIT_CARRIER_API", "2 per minute")
    try:
        codes = [post({"events": [ev("NV10000001", "created", m)]}).status_code for m in range(3)]
        assert codes == [202, 202, 429]
        assert history_count() == 2
        other, _row = integration_tokens.issue("second feed", actor="test", now=now)
        assert post({"events": []}, raw=other).status_code == 202
    finally:
        limiter.reset()


# --- concurrency ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("held", "posted", "winner"), [
    (("delivered", 60), ("in_transit", 30), "delivered"),  # the older event, arriving second, never wins
    (("in_transit", 30), ("delivered", 60), "delivered"),  # the newer one, waiting for the other, still wins
])
def test_a_request_racing_another_for_one_parcel_keeps_the_newest(app, client, token, post, held, posted, winner):
    post({"events": [ev("NV10000001", "created", 0)]})
    answer: dict = {}

    def send() -> None:
        with app.app_context():
            answer["response"] = client.post(URL, json={"events": [ev("NV10000001", *posted)]},
                                             headers={"Authorization": f"Bearer {token}"})

    with db.engine.connect() as other:
        # another request in the middle of its transaction: it has given the parcel its event, not yet committed
        transaction = other.begin()
        status, minutes = held
        other.execute(update(Shipment.__table__).where(Shipment.tracking_number == "NV10000001")
                      .values(status=status, last_event=status, event_at=T0 + dt.timedelta(minutes=minutes)))
        racer = threading.Thread(target=send)
        racer.start()
        time.sleep(0.5)
        assert racer.is_alive()  # it waits for the other transaction (PostgreSQL's row lock, SQLite's write lock)
        transaction.commit()
    racer.join(timeout=30)
    assert answer["response"].status_code == 202
    assert answer["response"].get_json() == {"accepted": 1, "ignored": 0}
    assert parcel("NV10000001").status == winner
    assert parcel("NV10000001").event_at == T0 + dt.timedelta(minutes=60)


def test_two_feeds_posting_overlapping_batches_at_once_end_with_each_parcels_newest(app, client, token):
    rng = random.Random(19)
    events = [ev(f"NV3{i % 60:07d}", rng.choice(["in_transit", "delivered", "returning"]), minute)
              for minute, i in enumerate(rng.sample(range(600), 600))]
    shared = events[:200]  # both send these: each is accepted once
    senders = [shared + events[200:400], list(reversed(shared)) + events[400:]]
    answers: list = []

    def send(batch: list[dict]) -> None:
        with app.app_context():
            for start in range(0, len(batch), 100):
                answers.append(client.post(URL, json={"events": batch[start:start + 100]},
                                           headers={"Authorization": f"Bearer {token}"}))

    racers = [threading.Thread(target=send, args=(batch,)) for batch in senders]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join(timeout=60)
    assert [a.status_code for a in answers] == [202] * 8
    assert sum(a.get_json()["accepted"] for a in answers) == 600
    assert sum(a.get_json()["ignored"] for a in answers) == 200
    assert history_count() == 600
    for number in {e["tracking_number"] for e in events}:
        newest = max((e for e in events if e["tracking_number"] == number), key=lambda e: e["occurred_at"])
        shipment = parcel(number)
        assert (shipment.status, shipment.event_at.isoformat()) == (newest["status"], newest["occurred_at"])


# --- tickets --------------------------------------------------------------------------------------

def notices(ticket: Ticket) -> list[Event]:
    return list(db.session.scalars(select(Event).where(Event.ticket_id == ticket.id,
                                                       Event.kind == "parcel_delivered")))


def test_a_delivery_is_pointed_out_on_an_open_delivery_delay_ticket_once(app, client, auth, demo, now, post):
    waiting = factories.ticket(now, tracking=("NV10000001",))
    agent = db.session.scalar(select(User).where(User.email == "agent1.delivery@demo.test"))
    waiting.assignee_id = agent.id
    db.session.commit()
    finance = factories.ticket(now, category="finance", tracking=("NV10000001",), description="Chưa nhận tiền COD")
    closed = factories.ticket(now, tracking=("NV10000001",), status="closed")
    post({"events": [ev("NV10000001", "out_for_delivery", 0)]})
    assert notices(waiting) == []
    post({"events": [ev("NV10000001", "delivered", 30, "Giao thành công")]})
    [notice] = notices(waiting)
    assert notice.actor_label == "carrier" and notice.data["tracking_number"] == "NV10000001"
    assert notices(finance) == notices(closed) == []
    bell = list(db.session.scalars(select(Notification).where(Notification.kind == "parcel_delivered")))
    assert [n.user_id for n in bell] == [agent.id] and bell[0].ticket_id == waiting.id
    assert waiting.reference in bell[0].text and "NV10000001" in bell[0].text
    # a later delivered event, and the same one again, point nothing out a second time
    post({"events": [ev("NV10000001", "delivered", 40, "Giao lại thành công")]})
    post({"events": [ev("NV10000001", "delivered", 30, "Giao thành công")]})
    assert len(notices(waiting)) == 1
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 1
    db.session.expire_all()
    assert db.session.get(Ticket, waiting.id).status == "new"  # nothing closes by itself
    # the agent sees the new status and the note on the ticket page at once
    auth.login("agent1.delivery@demo.test")
    page = client.get(f"/tickets/{waiting.reference}").get_data(as_text=True)
    assert "Giao lại thành công" in page and 'id="parcel-notice"' in page
    assert "The carrier reported parcel NV10000001 as delivered" in page
    client.set_cookie("lang", "vi")
    page = client.get(f"/tickets/{waiting.reference}").get_data(as_text=True)
    assert "Kiện hàng đã được giao" in page and "parcel_delivered" not in page
    assert "Đơn vị vận chuyển báo kiện hàng NV10000001 đã được giao" in page
    # once someone resolves the ticket, the note has done its work; the history keeps the sentence
    staff_actions.change_status(db.session.get(Ticket, waiting.id), agent, "resolved", now=now)
    page = client.get(f"/tickets/{waiting.reference}").get_data(as_text=True)
    assert 'id="parcel-notice"' not in page and "Đơn vị vận chuyển báo kiện hàng NV10000001" in page


def test_an_older_delivery_that_does_not_become_the_status_points_nothing_out(app, demo, now, post):
    waiting = factories.ticket(now, tracking=("NV10000001",))
    post({"events": [ev("NV10000001", "returning", 60)]})
    post({"events": [ev("NV10000001", "delivered", 30)]})
    assert notices(waiting) == []


def test_unassigned_the_departments_staff_are_told(app, demo, now, post):
    waiting = factories.ticket(now, tracking=("NV10000001",))
    waiting.assignee_id = None
    db.session.commit()
    post({"events": [ev("NV10000001", "delivered", 0)]})
    told = set(db.session.scalars(select(Notification.user_id).where(Notification.ticket_id == waiting.id)))
    members = {u.id for u in db.session.scalars(select(User).where(User.active.is_(True)))
               if waiting.department_id in {d.id for d in u.departments}}
    assert told == members and told
    [notice] = notices(waiting)
    assert sorted(json.loads(notice.data_json)["notified"]) == sorted(members)


# --- orders import --------------------------------------------------------------------------------

def test_orders_import_takes_the_seller_code_and_records_the_history(app, runner, tmp_path, post):
    path = tmp_path / "orders.csv"
    path.write_text("tracking_number,status,last_event,event_at,seller_code\n"
                    f"NV10000001,in_transit,Đang trung chuyển,{at(10)},DEMO-001\n"
                    f"NV10000001,picked_up,Đã lấy hàng,{at(0)},\n"
                    f"NV10000002,delivered,Giao thành công,{at(20)},\n"
                    f"NV10000003,delivered,x,{at(20)},bad code\n", encoding="utf-8")
    result = runner.invoke(args=["orders", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("added=2 updated=0 rejected=1")
    assert (parcel("NV10000001").status, parcel("NV10000001").seller_code) == ("in_transit", "DEMO-001")
    assert set(db.session.scalars(select(ShipmentEvent.source))) == {"import"} and history_count() == 3
    again = runner.invoke(args=["orders", "import", str(path)])
    assert again.output.strip().endswith("added=0 updated=0 rejected=1") and history_count() == 3
    # the feed and the import share one history: the same event from the feed is a repeat
    assert post({"events": [ev("NV10000002", "delivered", 20)]}).get_json() == {"accepted": 0, "ignored": 1}
