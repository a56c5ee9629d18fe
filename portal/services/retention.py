"""Personal data has an end (Vietnam's Decree 13/2023 on personal data protection): once a ticket
has been closed (status closed, or resolved) for PORTAL_RETENTION_DAYS, its attachments (files
and rows), its contact phone and the messages sent to the seller about it (seller notifications
that are done with: delivered, refused or given up; each holds the phone and a link) are removed.
The ticket itself, its text and its SLA figures stay.

Run by the scheduler (job "retention") and by `flask --app wsgi retention apply`. Each batch is one
transaction with its audit record; files are removed from disk only after that commit, so a
rollback never leaves a row pointing at a deleted file. Rows are claimed with FOR UPDATE SKIP
LOCKED on PostgreSQL (SQLite runs one writer at a time) and every change is conditional, so a
second run, or a second scheduler at the same time, removes nothing twice and counts nothing twice."""
from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import astuple, dataclass, replace

from sqlalchemy import and_, delete, exists, func, or_, select, update

from ..extensions import db
from ..models import Attachment, SellerNotification, Ticket
from . import audit, previews, uploads

log = logging.getLogger("portal.retention")
BATCH = 500  # tickets changed per transaction at most
SCAN = 20_000  # ids read per transaction at most


@dataclass(frozen=True)
class RetentionResult:
    tickets: int = 0  # tickets that lost an attachment, their contact phone or a seller notification
    attachments: int = 0  # attachment rows deleted
    phones: int = 0  # contact phones blanked
    files: int = 0  # files removed from disk
    notifications: int = 0  # seller notifications deleted (done with: delivered, refused, dead)

    def __add__(self, other: RetentionResult) -> RetentionResult:
        return RetentionResult(*(a + b for a, b in zip(astuple(self), astuple(other), strict=True)))

    def line(self) -> str:
        return (f"tickets={self.tickets} attachments={self.attachments} phones={self.phones} "
                f"notifications={self.notifications} files={self.files}")


def closed_before(cutoff: dt.datetime):
    """A condition: the ticket is closed, or resolved, and has been since before `cutoff`."""
    return or_(and_(Ticket.status == "closed", func.coalesce(Ticket.closed_at, Ticket.resolved_at) < cutoff),
               and_(Ticket.status == "resolved", Ticket.resolved_at < cutoff))


# seller notifications no delivery pass will touch again (a pending one is left to be sent)
_DONE_WITH = SellerNotification.status.in_(("delivered", "refused", "dead"))
_HOLDS_PERSONAL_DATA = or_(Ticket.contact_phone.is_not(None), exists().where(Attachment.ticket_id == Ticket.id),
                           exists().where(SellerNotification.ticket_id == Ticket.id, _DONE_WITH))


def _batch(cutoff: dt.datetime, after_id: int, upper_id: int, now: dt.datetime, days: int, actor_label: str
           ) -> tuple[int, RetentionResult, list[str]]:
    """One batch in the caller's transaction, among tickets with after_id < id <= upper_id: returns
    the id to go on after, the counts, and the stored names of the files to remove after the commit."""
    candidates = db.session.execute(
        select(Ticket.id, Ticket.reference)
        .where(Ticket.id > after_id, Ticket.id <= upper_id, closed_before(cutoff), _HOLDS_PERSONAL_DATA)
        .order_by(Ticket.id).limit(BATCH).with_for_update(of=Ticket, skip_locked=True)).all()
    next_id = candidates[-1][0] if len(candidates) == BATCH else upper_id
    if not candidates:
        return next_id, RetentionResult(), []
    ids = [ticket_id for ticket_id, _reference in candidates]
    removed = db.session.execute(delete(Attachment).where(Attachment.ticket_id.in_(ids))
                                 .returning(Attachment.ticket_id, Attachment.stored_name),
                                 execution_options={"synchronize_session": False}).all()
    blanked = db.session.scalars(update(Ticket).where(Ticket.id.in_(ids), Ticket.contact_phone.is_not(None))
                                 .values(contact_phone=None).returning(Ticket.id),
                                 execution_options={"synchronize_session": False}).all()
    forgotten = db.session.scalars(delete(SellerNotification)
                                   .where(SellerNotification.ticket_id.in_(ids), _DONE_WITH)
                                   .returning(SellerNotification.ticket_id),
                                   execution_options={"synchronize_session": False}).all()
    changed = {ticket_id for ticket_id, _name in removed} | set(blanked) | set(forgotten)
    if changed:
        audit.record("retention.applied", "tickets", f"closed before {cutoff.date().isoformat()}", before=None,
                     after={"days": days, "attachments": len(removed), "phones": len(blanked),
                            "notifications": len(forgotten),
                            "tickets": [reference for ticket_id, reference in candidates if ticket_id in changed]},
                     now=now, actor_label=actor_label)
    counts = RetentionResult(tickets=len(changed), attachments=len(removed), phones=len(blanked),
                             notifications=len(forgotten))
    return next_id, counts, [name for _id, name in removed]


def remove_files(stored_names: list[str], upload_dir: str) -> int:
    """Delete stored files whose rows are gone (after the commit), and their thumbnails; returns how
    many were on disk."""
    previews.remove(stored_names, upload_dir)
    count = 0
    for name in stored_names:
        path = uploads.stored_path(name, upload_dir)
        try:
            path.unlink()
            count += 1
        except FileNotFoundError:
            pass
        except OSError as exc:  # the row is gone either way; the operator must hear of the file
            log.warning("could not remove %s: %s", path, exc.strerror)
    return count


def apply_retention(now: dt.datetime, days: int, upload_dir: str, *, actor_label: str) -> RetentionResult:
    """Remove attachments, contact phones and finished seller notifications of tickets closed or
    resolved more than `days` days before `now`, in batches of at most BATCH tickets, each committed
    with an audit event (`retention.applied`, by `actor_label`) naming its tickets; then remove the
    batch's files.
    Returns what was removed."""
    cutoff = now - dt.timedelta(days=days)
    last_id = db.session.scalar(select(func.max(Ticket.id))) or 0
    db.session.commit()
    totals, after_id = RetentionResult(), 0
    # The tickets are read in ranges of SCAN ids, one short transaction each: finding the candidates
    # reads every ticket (closing times are not indexed), and on SQLite a writing transaction holds
    # the one write lock, which web requests wait for, from its first statement.
    while after_id < last_id:
        try:
            after_id, counts, names = _batch(cutoff, after_id, min(after_id + SCAN, last_id), now, days,
                                             actor_label)
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
        files = remove_files(names, upload_dir)
        totals += replace(counts, files=files)
        if db.engine.dialect.name == "sqlite":
            time.sleep(0.01)  # let waiting writers take the lock between transactions (see sla_jobs.sweep)
    return totals
