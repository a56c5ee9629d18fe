"""normalize.feed: the check of a posted batch (all or nothing, naming the event and field) and the
order it is applied in (by occurred_at, a repeat once, an older event never the status)."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from normalize import feed
from normalize.feed import FeedEvent

T0 = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)


def item(number: str = "NV10000001", status: str = "in_transit", occurred_at: str = "2026-11-23T09:00:00+07:00",
         **extra) -> dict:
    return {"tracking_number": number, "status": status, "event": "Đang trung chuyển", "occurred_at": occurred_at,
            **extra}


def made(number: str, status: str, minutes: int) -> FeedEvent:
    return FeedEvent(number, status, status, T0 + dt.timedelta(minutes=minutes))


# --- checking -------------------------------------------------------------------------------------

def test_an_event_is_normalised():
    got = feed.event(item(" nv10000001 ", " delivered ", "2026-11-23T09:00:00+07:00", seller_code=" DEMO-001 "), 0)
    assert got == FeedEvent("NV10000001", "delivered", "Đang trung chuyển", T0, "DEMO-001")
    assert got.occurred_at.tzinfo == dt.UTC


@pytest.mark.parametrize(("raw", "expected"), [
    ("Delivered", "delivered"), ("OUT-FOR-DELIVERY", "out_for_delivery"), ("on hold", "on_hold"),
    ("in_transit", "in_transit"), ("Held at customs", "Held at customs"), ("deliverd", "deliverd"),
])
def test_a_known_status_in_any_spelling_is_its_code_and_others_stay_as_given(raw, expected):
    assert feed.event(item(status=raw), 0).status == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("2026-11-23T02:00:00Z", T0),
    ("2026-11-23T02:00:00", T0),  # no offset: UTC
    ("2026-11-23T09:00:00.250+07:00", T0 + dt.timedelta(milliseconds=250)),
])
def test_occurred_at_is_any_iso_8601_instant(raw, expected):
    assert feed.event(item(occurred_at=raw), 0).occurred_at == expected


def test_seller_code_is_optional():
    assert feed.event(item(), 0).seller_code is None
    assert feed.event(item(seller_code=None), 0).seller_code is None
    assert feed.event(item(seller_code=""), 0).seller_code is None


@pytest.mark.parametrize(("value", "field", "words"), [
    ("not a dict", "events[3]", "not a JSON object"),
    (item() | {"tracking_number": None}, "events[3].tracking_number", "not a string"),
    ({k: v for k, v in item().items() if k != "status"}, "events[3].status", "missing"),
    (item(status="  "), "events[3].status", "empty"),
    (item(status="x" * 65), "events[3].status", "under 64"),
    (item() | {"event": ["a"]}, "events[3].event", "not a string"),
    ({k: v for k, v in item().items() if k != "event"}, "events[3].event", "missing"),
    (item(number="NV1"), "events[3].tracking_number", "Not a valid tracking number"),
    (item(number="NV10000001 NV10000002"), "events[3].tracking_number", "exactly one"),
    (item(occurred_at="23/11/2026"), "events[3].occurred_at", "ISO 8601"),
    (item(occurred_at=1700000000), "events[3].occurred_at", "not a string"),
    (item(occurred_at="9999-12-31T23:59:59-05:00"), "events[3].occurred_at", "outside the years"),
    (item(seller_code=7), "events[3].seller_code", "not a string"),
    (item(seller_code="a b"), "events[3].seller_code", "seller code"),
    (item() | {"event": "bell\x07"}, "events[3].event", "control characters"),
])
def test_a_bad_event_names_its_index_and_field(value, field, words):
    with pytest.raises(feed.BatchError) as caught:
        feed.event(value, 3)
    assert caught.value.field == field and words in caught.value.message and not caught.value.too_large
    assert caught.value.message.startswith("Event 3")


@pytest.mark.parametrize("body", [None, [], "events", {"events": None}, {"events": {"0": item()}}, {}])
def test_a_body_of_the_wrong_shape_is_refused(body):
    with pytest.raises(feed.BatchError) as caught:
        feed.batch(body)
    assert not caught.value.too_large


def test_the_first_bad_event_refuses_the_whole_batch():
    with pytest.raises(feed.BatchError) as caught:
        feed.batch({"events": [item(), item(number="bad!"), item(status="")]})
    assert caught.value.field == "events[1].tracking_number"


def test_at_most_1000_events():
    assert len(feed.batch({"events": [item()] * feed.MAX_EVENTS})) == 1000
    with pytest.raises(feed.BatchError) as caught:
        feed.batch({"events": [item()] * (feed.MAX_EVENTS + 1)})
    assert caught.value.too_large and "1001" in caught.value.message


def test_an_empty_batch_is_fine_and_other_fields_are_ignored():
    assert feed.batch({"events": []}) == []
    assert feed.batch({"events": [item(extra="x")], "sent_at": "now"})[0].tracking_number == "NV10000001"


# --- ordering -------------------------------------------------------------------------------------

def test_the_plan_is_oldest_first_with_repeats_dropped():
    late, early, again = made("NV10000001", "delivered", 30), made("NV10000001", "created", 0), \
        made("NV10000001", "delivered", 30)
    plan = feed.plan([late, early, again])
    assert plan.events == (early, late) and plan.repeats == 1


def test_equal_instants_keep_the_order_they_came_in():
    first, second = made("NV10000001", "delivery_failed", 5), made("NV10000001", "returning", 5)
    assert feed.plan([first, second]).events == (first, second)
    # applied one by one, the later of two equal instants does not overwrite: it is not newer
    assert feed.plan([first, second]).newest() == {"NV10000001": first}


def test_the_newest_event_of_each_parcel_is_its_status():
    plan = feed.plan([made("NV10000001", "delivered", 90), made("NV10000002", "in_transit", 10),
                      made("NV10000001", "in_transit", 30), made("NV10000002", "created", 0)])
    assert {n: e.status for n, e in plan.newest().items()} == {"NV10000001": "delivered", "NV10000002": "in_transit"}


events = st.lists(st.builds(made, st.sampled_from(["NV10000001", "NV10000002", "NV10000003"]),
                            st.sampled_from(["created", "in_transit", "delivered"]), st.integers(0, 20)),
                  max_size=30)


@given(events)
def test_any_order_of_a_batch_leaves_the_same_statuses(batch):
    """Whatever order the carrier sends events in, the result is that of applying them by time."""
    plan = feed.plan(batch)
    assert plan.repeats == len(batch) - len({e.key for e in batch})
    assert list(plan.events) == sorted(plan.events, key=lambda e: e.occurred_at)
    newest = plan.newest()
    for number, event in newest.items():
        assert event.occurred_at == max(e.occurred_at for e in batch if e.tracking_number == number)
    assert {n: e.occurred_at for n, e in feed.plan(list(reversed(batch))).newest().items()} == \
        {n: e.occurred_at for n, e in newest.items()}


@given(events, events)
def test_two_batches_in_either_order_end_the_same(first, second):
    """An older event never overwrites: two batches applied in either order give each parcel the
    same newest instant (the status of the parcel when its newest instant is unique)."""
    def run(*batches):
        state: dict[str, FeedEvent] = {}
        for batch in batches:
            for number, event in feed.plan(batch).newest().items():
                if number not in state or event.occurred_at > state[number].occurred_at:
                    state[number] = event
        return {n: e.occurred_at for n, e in state.items()}
    assert run(first, second) == run(second, first)
