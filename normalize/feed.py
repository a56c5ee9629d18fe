"""The carrier's parcel events as posted to the feed: the check of a whole batch, and the order it is
applied in. Pure: the database part is portal.services.shipment_feed.

A batch is all or nothing: the first event that is not valid refuses the whole of it, naming its
index and field, so the sender can fix it and post the same batch again (repeats are ignored).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from vocabulary import SHIPMENT_STATUSES

from . import NormalizeError, instant, seller_code, text, tracking_numbers

MAX_EVENTS = 1000
STATUS_MAX = 64
EVENT_MAX = 500


class BatchError(ValueError):
    """A batch the feed refuses as a whole. `field` names where (`events[3].occurred_at`), or is
    None for the body itself; `too_large` marks a batch of more than MAX_EVENTS events."""

    def __init__(self, message: str, field: str | None = None, *, too_large: bool = False) -> None:
        super().__init__(message)
        self.message, self.field, self.too_large = message, field, too_large


@dataclass(frozen=True)
class FeedEvent:
    """One parcel event, normalised: the tracking number upper-cased, the instant in UTC."""

    tracking_number: str
    status: str
    event: str
    occurred_at: dt.datetime
    seller_code: str | None = None

    @property
    def key(self) -> tuple[str, str, dt.datetime]:
        """What makes two events the same event: a repeat of a key is ignored."""
        return self.tracking_number, self.status, self.occurred_at


def _string(item: dict, name: str, where: str, *, required: bool = True) -> str | None:
    value = item.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        missing = name not in item
        raise BatchError(f"Event {where}: `{name}` is {'missing' if missing else 'not a string'}.",
                         f"events[{where}].{name}")
    return value


def status_code(raw: str) -> str:
    """A known status in any spelling (`Delivered`, `out-for-delivery`) as the vocabulary's code, so it
    gets its label and its rules; any other status as given (kept and shown as the carrier wrote it)."""
    code = raw.strip().lower().replace("-", "_").replace(" ", "_")
    return code if code in SHIPMENT_STATUSES else raw


def event(item: object, index: int) -> FeedEvent:
    """One posted event checked and normalised; BatchError naming `index` and the field otherwise."""
    where = str(index)
    if not isinstance(item, dict):
        raise BatchError(f"Event {where} is not a JSON object.", f"events[{where}]")
    field = None
    try:
        field = "tracking_number"
        numbers = tracking_numbers(_string(item, field, where))
        if len(numbers) != 1:
            raise ValueError("give exactly one tracking number")
        field = "status"
        status = status_code(text(_string(item, field, where), max_length=STATUS_MAX))
        if not status:
            raise ValueError("the status is empty")
        field = "event"
        words = text(_string(item, field, where), max_length=EVENT_MAX)
        field = "occurred_at"
        raw = _string(item, field, where)
        try:
            occurred_at = instant(raw, field)
        except ValueError as exc:
            detail = str(exc) if "outside" in str(exc) else "not an ISO 8601 instant, e.g. 2026-11-23T09:30:00+07:00"
            raise ValueError(detail) from None
        field = "seller_code"
        code = _string(item, field, where, required=False)
        code = seller_code(code) if code is not None and code.strip() else None
    except BatchError:
        raise
    except NormalizeError as exc:
        raise BatchError(f"Event {where}: `{field}`: {exc}", f"events[{where}].{field}") from None
    except ValueError as exc:
        raise BatchError(f"Event {where}: `{field}`: {exc}.", f"events[{where}].{field}") from None
    return FeedEvent(numbers[0], status, words, occurred_at, code)


def batch(body: object) -> list[FeedEvent]:
    """The events of a posted body `{"events": [...]}`, every one checked, in the order given;
    BatchError for the first problem (too_large for more than MAX_EVENTS events)."""
    if not isinstance(body, dict):
        raise BatchError('The body must be a JSON object: {"events": [...]}.')
    items = body.get("events")
    if not isinstance(items, list):
        raise BatchError('`events` must be a list of events: {"events": [...]}.', "events")
    if len(items) > MAX_EVENTS:
        raise BatchError(f"At most {MAX_EVENTS} events per request (this one has {len(items)}); "
                         "send the rest in another request.", "events", too_large=True)
    return [event(item, index) for index, item in enumerate(items)]


@dataclass(frozen=True)
class Plan:
    """A batch in the order it is applied: each distinct event once, oldest first (ties keep the
    order they came in); `repeats` counts the events dropped as repeats of an earlier one."""

    events: tuple[FeedEvent, ...]
    repeats: int

    def newest(self) -> dict[str, FeedEvent]:
        """The newest event of each parcel in the batch: the only one that may become its status (of
        two at the same instant, the one applied first, as one-by-one application would leave it)."""
        return applied_in_order(self.events)


def plan(events: Iterable[FeedEvent]) -> Plan:
    """The order of application of a batch: by occurred_at, repeats within the batch dropped."""
    seen: set[tuple[str, str, dt.datetime]] = set()
    kept: list[FeedEvent] = []
    given = 0
    for item in events:
        given += 1
        if item.key not in seen:
            seen.add(item.key)
            kept.append(item)
    kept.sort(key=lambda item: item.occurred_at)  # stable: equal instants keep their order
    return Plan(tuple(kept), given - len(kept))


def applied_in_order(events: Sequence[FeedEvent]) -> dict[str, FeedEvent]:
    """What applying `events` one by one leaves as each parcel's status, when an older event never
    overwrites a newer one: the reference the database part is tested against."""
    status: dict[str, FeedEvent] = {}
    for item in events:
        current = status.get(item.tracking_number)
        if current is None or item.occurred_at > current.occurred_at:
            status[item.tracking_number] = item
    return status
