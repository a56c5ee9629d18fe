"""Parcel statuses before a ticket, on the real database: who may see which parcel (the lookup, the
ticket pages' known shipments and the seller API's GET /api/v1/shipments/<tracking_number>), and the
report of questions the status answered beside the tickets sent."""
from __future__ import annotations

import datetime as dt

import pytest

from portal.extensions import db
from portal.models import SelfServiceEvent, Shipment
from portal.services import links, parcel_lookup, sellers, tickets
from portal.services.reports.self_service import self_service
from portal.services.runtime import runtime
from tests import factories

EVENT_AT = dt.datetime(2026, 11, 24, 7, 30, tzinfo=dt.UTC)
API = "/api/v1/shipments"


def parcel(number: str, status: str, seller_code: str | None = None) -> None:
    db.session.add(Shipment(tracking_number=number, status=status, last_event="Đã đến bưu cục", event_at=EVENT_AT,
                            seller_code=seller_code))
    db.session.commit()


@pytest.fixture
def parcels(app):
    factories.seller("SHOP-EN", locale="en")
    factories.seller("SHOP-VI", locale="vi")
    parcel("NVEN000001", "delivery_failed", "SHOP-EN")
    parcel("NVVI000001", "returning", "SHOP-VI")
    parcel("NVPUB00001", "in_transit")
    parcel("NVBLANK001", "picked_up", "")  # an import's empty seller code: nobody's
    parcel("NVODD00001", "held_at_customs", "SHOP-EN")


def bearer(app, code: str) -> dict:
    return {"Authorization": f"Bearer {links.link_token(sellers.by_code(code), app.config['SECRET_KEY'])}"}


def test_a_seller_sees_their_own_parcels_and_those_of_nobody(app, parcels):
    with app.test_request_context("/?lang=en"):
        found = parcel_lookup.lookup(sellers.by_code("SHOP-EN"),
                                     ["NVEN000001", "NVVI000001", "NVPUB00001", "NVBLANK001", "NVNONE0001"])
    assert [(s.tracking_number, s.status) for s in found] == [
        ("NVEN000001", "delivery_failed"), ("NVVI000001", None), ("NVPUB00001", "in_transit"),
        ("NVBLANK001", "picked_up"), ("NVNONE0001", None)]
    assert found[0].status_label == "Delivery failed" and found[0].hint.startswith("The courier tries again")
    assert found[1] == parcel_lookup.ParcelStatus("NVVI000001")  # nothing of the other seller's parcel


def test_a_status_outside_the_vocabulary_keeps_its_code_and_has_no_hint(app, parcels):
    with app.test_request_context("/?lang=vi"):
        odd = parcel_lookup.lookup_one(sellers.by_code("SHOP-EN"), "nvodd00001")
    assert (odd.status, odd.status_label, odd.hint) == ("held_at_customs", "held_at_customs", None)


def test_known_shipments_of_a_ticket_follow_the_tickets_seller(app, demo, parcels, now):
    ticket = factories.ticket(now, seller="SHOP-VI", tracking=("NVEN000001", "NVPUB00001", "NVVI000001"))
    assert [s.tracking_number for s in tickets.known_shipments(ticket)] == ["NVPUB00001", "NVVI000001"]


def test_the_api_answers_a_sellers_parcel_in_their_language(app, client, parcels):
    client.delete_cookie("lang")  # a seller app sends no language: the seller's own
    vi = client.get(f"{API}/nvvi000001", headers=bearer(app, "SHOP-VI"))
    assert vi.status_code == 200
    assert vi.get_json() == {"tracking_number": "NVVI000001", "status": "returning",
                             "status_label": "Đang hoàn về người bán",
                             "hint": "Kiện hàng đang được hoàn về cho bạn; sẽ không giao lại nữa.",
                             "last_event": "Đã đến bưu cục", "event_at": "2026-11-24T07:30:00+00:00"}
    en = client.get(f"{API}/NVEN000001", headers=bearer(app, "SHOP-EN")).get_json()
    assert (en["status_label"], en["hint"][:28]) == ("Delivery failed", "The courier tries again on t")
    public = client.get(f"{API}/NVPUB00001", headers=bearer(app, "SHOP-VI"))
    assert public.status_code == 200 and public.get_json()["status"] == "in_transit"


@pytest.mark.parametrize("number", ["NVVI000001", "NVNONE0001", "not a number"])
def test_the_api_says_404_for_another_sellers_or_an_unknown_parcel(app, client, parcels, number):
    response = client.get(f"{API}/{number}", headers=bearer(app, "SHOP-EN"))
    assert response.status_code == 404 and response.mimetype == "application/json"
    assert response.get_json()["error"]["status"] == 404 and "returning" not in response.get_data(as_text=True)


def test_the_api_wants_a_seller_token(app, client, parcels):
    assert client.get(f"{API}/NVPUB00001").status_code == 401
    assert client.get(f"{API}/NVPUB00001", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_the_report_counts_answers_and_tickets_per_category_and_local_day(app, demo, parcels):
    zone = runtime().timezone  # Asia/Ho_Chi_Minh, UTC+7
    shop = sellers.by_code("SHOP-EN")
    # 23 November local: 23 Nov 17:30 UTC is already the 24th there
    day1, day2 = dt.datetime(2026, 11, 23, 3, 0, tzinfo=dt.UTC), dt.datetime(2026, 11, 23, 17, 30, tzinfo=dt.UTC)
    for category, at in (("delivery_delay", day1), ("delivery_delay", day1), ("order_return_status", day2),
                         ("delivery_delay", day2)):
        parcel_lookup.record_answer(shop, category, "NVEN000001", now=at)
    later = dt.datetime(2026, 11, 30, 12, tzinfo=dt.UTC)  # outside the range below
    db.session.add(SelfServiceEvent(seller_id=shop.id, category="delivery_delay", tracking_numbers="NVEN000001",
                                    statuses="delivery_failed", created_at=later))
    db.session.commit()
    factories.ticket(day1, seller="SHOP-EN", category="delivery_delay")
    factories.ticket(day2, seller="SHOP-EN", category="order_return_status")
    factories.ticket(day2, seller="SHOP-EN", category="order_return_status", tracking=("NV22222222",))
    factories.ticket(day2, seller="SHOP-EN", category="finance", tracking=())
    report = self_service(dt.date(2026, 11, 23), dt.date(2026, 11, 24), timezone=zone)
    rows = {r.key: (r.answers, r.tickets, r.rate) for r in report.by_category}
    assert rows == {"delivery_delay": (3, 1, 0.75), "order_return_status": (1, 2, pytest.approx(1 / 3))}
    assert [(r.key, r.answers, r.tickets) for r in report.by_day] == [("2026-11-23", 2, 1), ("2026-11-24", 2, 2)]
    assert (report.total.answers, report.total.tickets, report.total.rate) == (4, 3, pytest.approx(4 / 7))
    empty = self_service(dt.date(2026, 10, 1), dt.date(2026, 10, 2), timezone=zone)
    assert empty.by_day == [] and all(r.rate is None for r in empty.by_category)


def test_the_dashboard_shows_the_self_service_table(app, client, auth, demo, parcels, now):
    parcel_lookup.record_answer(sellers.by_code("SHOP-EN"), "delivery_delay", "NVEN000001", now=now)
    factories.ticket(now, seller="SHOP-EN", category="delivery_delay")
    auth.login("manager@demo.test")
    html = client.get("/reports").get_data(as_text=True)
    section = html[html.index('id="self-service"'):]
    section = section[:section.index("</section>")]
    assert "Questions answered by the parcel status" in section
    assert "<th scope=\"row\">Pickup / delivery delay</th><td>1</td><td>1</td><td>50.0%</td>" in section
    assert "Finance" not in section
