"""A staff ticket page's "Other tickets of this seller" (the side panel) names only tickets the viewer may see
(portal.access): an agent sees those of their own departments, a manager every one."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Department, User
from tests import factories

CATEGORIES = {"delivery": "delivery_delay", "finance": "finance", "returns": "order_return_status"}


@pytest.fixture
def seller_tickets(demo, now) -> dict[str, list[str]]:
    """Two tickets of DEMO-001 in each of delivery, finance and returns: department -> references."""
    made = {}
    for n, (department, category) in enumerate(list(CATEGORIES.items()) * 2):
        ticket = factories.ticket(now - dt.timedelta(minutes=60 - n), category=category,
                                  description="Đơn hàng có vấn đề, nhờ kiểm tra giúp")
        assert ticket.department.code == department
        made.setdefault(department, []).append(ticket.reference)
    return made


def others_on_page(client, reference: str) -> set[str]:
    response = client.get(f"/tickets/{reference}")
    assert response.status_code == 200
    line = re.search(r'<ul class="other-tickets">(.*?)</ul>', response.get_data(as_text=True), flags=re.S)
    return set(re.findall(r"T-\d{4}-\d{4}", line.group(1))) if line else set()


def everything_but(made: dict[str, list[str]], reference: str, departments) -> set[str]:
    return {ref for department in departments for ref in made[department]} - {reference}


@pytest.mark.parametrize(("email", "departments"), [
    ("agent1.delivery@demo.test", ["delivery"]),
    ("agent1.finance@demo.test", ["finance"]),
    ("lead.returns@demo.test", ["returns"]),
])
def test_an_agent_sees_only_their_departments_tickets(client, auth, seller_tickets, email, departments):
    assert auth.login(email).status_code == 303
    own = seller_tickets[departments[0]][0]
    shown = others_on_page(client, own)
    assert shown == everything_but(seller_tickets, own, departments)
    page = client.get(f"/tickets/{own}").get_data(as_text=True)
    for department, references in seller_tickets.items():
        if department not in departments:
            assert not any(ref in page for ref in references), department  # not even elsewhere on the page


def test_an_agent_of_two_departments_sees_both(client, auth, seller_tickets):
    agent = db.session.scalar(select(User).where(User.email == "agent2.delivery@demo.test"))
    agent.departments.append(db.session.scalar(select(Department).where(Department.code == "finance")))
    db.session.commit()
    assert auth.login(agent.email).status_code == 303
    own = seller_tickets["finance"][1]
    assert others_on_page(client, own) == everything_but(seller_tickets, own, ["delivery", "finance"])


def test_a_manager_sees_every_other_ticket_up_to_five(client, auth, seller_tickets):
    assert auth.login("manager@demo.test").status_code == 303
    own = seller_tickets["delivery"][0]
    assert others_on_page(client, own) == everything_but(seller_tickets, own, CATEGORIES)


def test_no_line_when_the_viewer_may_see_no_other_ticket(client, auth, demo, now):
    ticket = factories.ticket(now, seller="DEMO-002", category="finance", description="Chưa nhận tiền đối soát",
                              tracking=())
    factories.ticket(now, seller="DEMO-002")
    assert auth.login("agent1.finance@demo.test").status_code == 303
    assert 'class="other-tickets"' not in client.get(f"/tickets/{ticket.reference}").get_data(as_text=True)
