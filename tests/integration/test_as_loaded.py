"""db_setup.as_loaded: a row read or written with a plain statement becomes a session object as if
the ORM had loaded it: its values, no pending change, related objects loaded on demand."""
import pytest
from sqlalchemy import inspect, select

from portal.db_setup import as_loaded
from portal.extensions import db
from portal.models import Seller, Ticket
from portal.services import sellers
from tests import factories


def _row(model, id_: int) -> dict:
    return dict(db.session.connection().execute(select(model.__table__).where(model.__table__.c.id == id_))
                .mappings().one())


def test_the_object_holds_the_row_and_nothing_to_write(app, demo, now):
    ticket_id = factories.ticket(now).id
    db.session.remove()
    values = _row(Ticket, ticket_id)
    ticket = as_loaded(Ticket, values)
    state = inspect(ticket)
    assert state.persistent and not state.modified
    assert state.unloaded == {r.key for r in inspect(Ticket).relationships}  # only what the row has not
    assert {key: getattr(ticket, key) for key in values} == values
    assert not db.session.dirty and not db.session.new
    assert ticket.seller.code == "DEMO-001"  # a relationship loads when asked for
    db.session.commit()  # nothing to flush


def test_a_change_after_loading_is_written(app, demo, now):
    seller_id = sellers.by_code("DEMO-001").id
    db.session.remove()
    seller = as_loaded(Seller, _row(Seller, seller_id))
    seller.phone = "0911222333"
    assert list(db.session.dirty) == [seller]
    db.session.commit()
    db.session.remove()
    assert db.session.get(Seller, seller_id).phone == "0911222333"


def test_an_object_already_in_the_session_is_returned_as_it_is(app, demo):
    seller = sellers.by_code("DEMO-001")
    seller.name = "Renamed, not flushed"
    assert as_loaded(Seller, _row(Seller, seller.id)) is seller
    assert seller.name == "Renamed, not flushed"


def test_a_value_that_is_no_column_is_refused(app, demo):
    seller_id = sellers.by_code("DEMO-001").id
    db.session.remove()
    with pytest.raises(TypeError, match="invalid keyword argument"):
        as_loaded(Seller, {**_row(Seller, seller_id), "nickname": "x"})
    assert not db.session.identity_map
