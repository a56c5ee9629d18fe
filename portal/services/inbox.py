"""What staff read: the queue (filters, search and keyset pagination ordered by first-response due
time), and a ticket with its thread, history, colleagues and files, for those who may see it."""
from __future__ import annotations

import datetime as dt
import weakref
from dataclasses import dataclass

from sqlalchemy import Integer, and_, bindparam, false, literal, or_, select, text, tuple_
from sqlalchemy.orm import defer, joinedload, load_only

import routing
from vocabulary import ANY_STATUS, CATEGORIES, OPEN_STATUSES, PRIORITIES, STATUSES

from .. import access
from ..extensions import db
from ..models import (
    Attachment,
    Department,
    Event,
    Message,
    Seller,
    Ticket,
    TicketTracking,
    User,
    UTCDateTime,
    user_departments,
)

SLA_STATES = ("on_track", "at_risk", "breached", "met")
PAGE_SIZE = 50
# Word search on SQLite: up to this many matches come from the trigram index and are then sorted;
# a word found in more tickets is searched by reading the queue in due order, where matches are
# then common enough that a page of them comes soon.
SEARCH_CANDIDATES = 2000
TRIGRAM = 3  # shorter words have no trigram to look up
PIECE = 5  # longer words are looked up as overlapping pieces of this many characters
_MATCH = text("SELECT rowid FROM tickets_search WHERE tickets_search MATCH :match LIMIT :limit")
_SEARCH_TABLE_EXISTS = text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'tickets_search'")
_SEARCH_TABLE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # engine -> has the table
# written into the SQL as literals: SQLite uses the partial indexes of open tickets (migration 0009)
# only for a query that names their statuses, not for bound parameters
_OPEN = Ticket.status.in_(bindparam("open_statuses", OPEN_STATUSES, expanding=True, literal_execute=True))


@dataclass(frozen=True)
class QueueFilter:
    department: str | None = None
    status: str | None = None  # None: every open status; "all": any status
    assignee: str = "any"  # mine, unassigned, any
    sla: str | None = None
    category: str | None = None
    priority: str | None = None
    q: str = ""
    after: str | None = None  # keyset cursor "<due iso>|<id>"

    @classmethod
    def from_args(cls, args) -> QueueFilter:
        """Read filters from query parameters, dropping values that are not known choices."""
        def pick(name, allowed):
            value = (args.get(name) or "").strip()
            return value if value in allowed else None
        return cls(department=(args.get("department") or "").strip()[:32] or None,
                   status=pick("status", (*STATUSES, ANY_STATUS)),
                   assignee=pick("assignee", ("mine", "unassigned")) or "any",
                   sla=pick("sla", SLA_STATES), category=pick("category", CATEGORIES),
                   priority=pick("priority", PRIORITIES), q=(args.get("q") or "").strip()[:200],
                   after=(args.get("after") or "").strip()[:80] or None)


def _search(q: str):
    """An exact reference, tracking number or seller code when the query is one (index lookups);
    otherwise every word, diacritics-insensitive, in the ticket's search text."""
    exact = [
        (select(Ticket.id).where(Ticket.reference == q.upper()), Ticket.reference == q.upper()),
        (select(TicketTracking.ticket_id).where(TicketTracking.tracking_number == q.upper()),
         Ticket.id.in_(select(TicketTracking.ticket_id).where(TicketTracking.tracking_number == q.upper()))),
        (select(Seller.id).where(Seller.code == q), Ticket.seller_id.in_(select(Seller.id).where(Seller.code == q))),
    ]
    # checked one by one, so each is an index lookup instead of one OR that scans every ticket
    found = [condition for probe, condition in exact if db.session.scalar(probe.limit(1)) is not None]
    if found:
        return or_(*found)
    words = routing.normalize_text(q).split()[:8]
    if not words:
        return false()
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    contains = and_(*[_contains(w, literal=postgresql) for w in words])
    candidates = None if postgresql else _indexed_candidates(words)
    return contains if candidates is None else and_(Ticket.id.in_(candidates), contains)


def _contains(word: str, literal: bool):
    """search_text holds the word, LIKE's wildcards in it taken as themselves. PostgreSQL answers
    this from the pg_trgm index of search_text (migration 0009), or reads the queue in due order,
    as it expects fewer or more matches; that choice needs the word, so there the pattern is
    written into the SQL (escaped by SQLAlchemy): bound, a statement repeated often gets a generic
    plan, made without the words, for every search of that many words."""
    pattern = "%" + word.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"
    return Ticket.search_text.like(bindparam(None, pattern, literal_execute=literal), escape="/")


def _indexed_candidates(words: list[str]) -> list[int] | None:
    """On SQLite, the ids of the tickets whose search text holds every word of three characters or
    more, from the trigram full-text table (migration 0009). None when that cannot narrow the
    search: no such word, no such table, or more than SEARCH_CANDIDATES matches, so many that the
    queue read in due order meets a page of them sooner than the matches could be fetched."""
    pieces = [piece for w in words if len(w) >= TRIGRAM for piece in _pieces(w)]
    if not pieces or not _has_search_table():
        return None
    match = " AND ".join('"' + piece.replace('"', '""') + '"' for piece in pieces)  # each a literal substring
    ids = db.session.scalars(_MATCH, {"match": match, "limit": SEARCH_CANDIDATES + 1}).all()
    return None if len(ids) > SEARCH_CANDIDATES else ids


def _pieces(word: str) -> list[str]:
    """A long word as overlapping pieces of PIECE characters. FTS5 checks a phrase at every row
    that holds all of its trigrams, so one trigram common to most tickets (the prefix every
    tracking number shares) makes a long phrase cost a pass over the whole index; separate pieces
    are joined by skipping through the rarest. The LIKE on search_text keeps the match exact."""
    if len(word) <= PIECE:
        return [word]
    starts = range(0, len(word) - PIECE + 1, PIECE - 2)
    return [word[i:i + PIECE] for i in starts] + ([word[-PIECE:]] if (len(word) - PIECE) % (PIECE - 2) else [])


def _has_search_table() -> bool:
    bind = db.session.get_bind()
    if bind.dialect.name != "sqlite":
        return False
    known = _SEARCH_TABLE.get(bind)
    if known is None:
        known = _SEARCH_TABLE[bind] = db.session.scalar(_SEARCH_TABLE_EXISTS) is not None
    return known


def _sla(state: str, now: dt.datetime):
    waiting = and_(Ticket.first_responded_at.is_(None), _OPEN)
    return {
        "met": and_(Ticket.first_responded_at.is_not(None), Ticket.first_responded_at <= Ticket.first_response_due_at),
        "breached": and_(waiting, Ticket.first_response_due_at <= now),
        "at_risk": and_(waiting, Ticket.at_risk_at <= now, Ticket.first_response_due_at > now),
        "on_track": and_(waiting, Ticket.at_risk_at > now),
    }[state]


# What a row of the inbox shows (templates/inbox/_rows.html), and nothing more: a dozen of the ticket's
# forty columns, its seller's name and code, its department's names (not its calendar), its assignee's
# name. Reading another attribute of these objects raises instead of querying once per row.
_ROW_LOADING = (
    load_only(Ticket.reference, Ticket.description, Ticket.category, Ticket.priority, Ticket.status,
              Ticket.created_at, Ticket.first_response_due_at, Ticket.at_risk_at, Ticket.first_responded_at,
              raiseload=True),
    joinedload(Ticket.seller).load_only(Seller.code, Seller.name, raiseload=True),
    joinedload(Ticket.department).load_only(Department.code, Department.name, Department.name_vi, raiseload=True),
    joinedload(Ticket.assignee).load_only(User.name, raiseload=True).lazyload(User.departments),
)
# whole tickets (the API's summaries), without their search text or their assignee's departments
_TICKET_LOADING = (defer(Ticket.search_text), joinedload(Ticket.assignee).lazyload(User.departments))


def queue(user: User, f: QueueFilter, now: dt.datetime, limit: int | None = None, *,
          rows_only: bool = False) -> tuple[list[Ticket], str | None]:
    """One page of tickets the user may see, soonest due first; returns (tickets, next cursor).
    `rows_only`: the tickets hold only what an inbox row shows (_ROW_LOADING)."""
    limit = limit or PAGE_SIZE
    query = access.visible(user, select(Ticket))
    if f.department:
        query = query.where(Ticket.department_id.in_(select(Department.id).where(Department.code == f.department)))
    if f.status is None:
        query = query.where(_OPEN)
    elif f.status != "all":
        query = query.where(Ticket.status == f.status)
    if f.assignee == "mine":
        query = query.where(Ticket.assignee_id == user.id)
    elif f.assignee == "unassigned":
        query = query.where(Ticket.assignee_id.is_(None))
    for column, value in ((Ticket.category, f.category), (Ticket.priority, f.priority)):
        if value:
            query = query.where(column == value)
    if f.sla:
        query = query.where(_sla(f.sla, now))
    if f.q:
        query = query.where(_search(f.q))
    cursor = parse_cursor(f.after)
    if cursor:
        due, ident = cursor
        query = query.where(tuple_(Ticket.first_response_due_at, Ticket.id)
                            > tuple_(literal(due, UTCDateTime()), literal(ident, Integer())))
    rows = list(db.session.scalars(query.order_by(Ticket.first_response_due_at, Ticket.id).limit(limit + 1)
                                   .options(*(_ROW_LOADING if rows_only else _TICKET_LOADING))))
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = f"{rows[-1].first_response_due_at.isoformat()}|{rows[-1].id}"
    return rows, next_cursor


DB_INT_MAX = 2**31 - 1


def parse_cursor(raw: str | None) -> tuple[dt.datetime, int] | None:
    """The keyset cursor "<due ISO 8601>|<ticket id>", or None for anything else, including dates
    that do not survive the move to UTC and ids no database integer holds (so a forged cursor
    is the first page, never an error)."""
    if not raw or "|" not in raw:
        return None
    due, _, ident = raw.rpartition("|")
    if not (ident.isascii() and ident.isdigit() and len(ident) <= 10 and int(ident) <= DB_INT_MAX):
        return None
    try:
        when = dt.datetime.fromisoformat(due)
        return (when if when.tzinfo else when.replace(tzinfo=dt.UTC)).astimezone(dt.UTC), int(ident)
    except (ValueError, OverflowError):
        return None


def staff_ticket(user: User, reference: str) -> Ticket | None:
    """The ticket if the user may see it; None otherwise (answered as 404, not 403)."""
    ticket = db.session.scalar(select(Ticket).where(Ticket.reference == reference))
    return ticket if ticket is not None and access.can_see(user, ticket) else None


def queue_neighbours(user: User, ticket: Ticket) -> tuple[Ticket | None, Ticket | None]:
    """(previous, next) around `ticket` in the user's default queue: the open tickets they may see,
    soonest first response due first (`queue`'s order, first_response_due_at then id). The ticket
    need not be in the queue itself: one just resolved still has a next ticket after its place."""
    key = tuple_(Ticket.first_response_due_at, Ticket.id)
    here = tuple_(literal(ticket.first_response_due_at, UTCDateTime()), literal(ticket.id, Integer()))
    base = access.visible(user, select(Ticket)).where(_OPEN, Ticket.id != ticket.id)
    before = db.session.scalar(base.where(key < here).order_by(Ticket.first_response_due_at.desc(), Ticket.id.desc())
                               .limit(1))
    after = db.session.scalar(base.where(key > here).order_by(Ticket.first_response_due_at, Ticket.id).limit(1))
    return before, after


def sellers_other_tickets(user: User, ticket: Ticket, limit: int = 5) -> list[Ticket]:
    """The latest `limit` other tickets of the ticket's seller that `user` may see (access.visible),
    newest first: a ticket page never names a ticket, nor its status, of a department the viewer
    does not work in."""
    query = select(Ticket).where(Ticket.seller_id == ticket.seller_id, Ticket.id != ticket.id)
    return list(db.session.scalars(access.visible(user, query).order_by(Ticket.created_at.desc(), Ticket.id.desc())
                                   .limit(limit)))


def thread(ticket: Ticket) -> list[Message]:
    """Every message of the ticket, internal notes included, oldest first."""
    return list(db.session.scalars(select(Message).where(Message.ticket_id == ticket.id)
                                   .order_by(Message.created_at, Message.id)))


def events(ticket: Ticket) -> list[Event]:
    """The ticket's history, in the order it was recorded."""
    return list(db.session.scalars(select(Event).where(Event.ticket_id == ticket.id).order_by(Event.id)))


def history_people(events: list[Event]) -> tuple[dict[str, Department], list[tuple[int, str, str]]]:
    """What the history names: every department by code, and the staff its events mention
    (assignees by id or e-mail) as (id, e-mail, name)."""
    ids, emails = set(), set()
    for event in events:
        data = event.data
        if isinstance(data.get("assignee_id"), int):
            ids.add(data["assignee_id"])
        for key in ("assignee", "previous"):
            if isinstance(data.get(key), str):
                emails.add(data[key])
    users = []
    if ids or emails:
        users = [(row.id, row.email, row.name) for row in db.session.execute(
            select(User.id, User.email, User.name).where(or_(User.id.in_(ids), User.email.in_(emails))))]
    return {d.code: d for d in db.session.scalars(select(Department))}, users


def colleagues(ticket: Ticket) -> list[User]:
    """Active staff who may work on the ticket (its department's, and those who see every
    department), by name: whom it can be assigned to."""
    users = db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.name))
    return [u for u in users if u.sees_all_departments or ticket.department_id in {d.id for d in u.departments}]


def assignable_staff(user: User) -> list[tuple[str, str]]:
    """(e-mail, name) of the active staff the user's tickets can be assigned to: those of the
    user's departments and those who see every department, by name. Two columns of a few rows,
    read for every inbox page (the bulk bar's picker)."""
    query = select(User.email, User.name).where(User.active.is_(True))
    if not user.sees_all_departments:
        mine = [d.id for d in user.departments]
        query = query.where(or_(User.role.in_(("manager", "admin")), User.id.in_(
            select(user_departments.c.user_id).where(user_departments.c.department_id.in_(mine)))))
    return [(row.email, row.name) for row in db.session.execute(query.order_by(User.name, User.email))]


def merged_into(ticket: Ticket) -> Ticket | None:
    """The ticket this one was merged into, if any."""
    return db.session.get(Ticket, ticket.merged_into_id) if ticket.merged_into_id else None


def staff_attachment(user: User, attachment_id: int) -> Attachment | None:
    """A file of a ticket the user may see (internal notes' files too); None otherwise."""
    row = db.session.get(Attachment, attachment_id)
    if row is None or not access.can_see(user, db.session.get(Ticket, row.ticket_id)):
        return None
    return row
