"""Staff inbox and the staff view of a ticket: thin views over the services."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from forms.staff import AssignForm, BulkForm, MergeForm, PriorityForm, StaffReplyForm, StatusForm, TransferForm

from .. import history_text, notification_text, routing_text
from ..models import Ticket
from ..services import (
    bulk,
    canned,
    departments,
    inbox,
    lead_requests,
    notifications,
    presence,
    previews,
    resolution_reasons,
    staff_actions,
    tickets,
    uploads,
)
from ..services.errors import NotFound, PortalError
from ..services.runtime import runtime, utcnow
from ..templating import department_name

bp = Blueprint("inbox", __name__)


@bp.before_request
@login_required
def require_login():
    return None


@bp.get("/")
def root():
    return redirect(url_for("inbox.index"))


@bp.get("/inbox")
def index():
    return _inbox_page()


def _inbox_page(status: int = 200):
    f = inbox.QueueFilter.from_args(request.args)
    rows, next_cursor = inbox.queue(current_user, f, utcnow(), rows_only=True)
    args = {k: v for k, v in request.args.items() if k != "after" and v}
    template = "inbox/_rows.html" if request.headers.get("X-Partial") else "inbox/index.html"
    extra = {} if template == "inbox/_rows.html" else {"assignable": inbox.assignable_staff(current_user)}
    if template == "inbox/index.html":
        extra["resolution_reasons"] = resolution_reasons.choices()
    return render_template(template, tickets=rows, f=f, args=args, next_cursor=next_cursor,
                           departments=departments.all_departments(), now=utcnow(), **extra), status


def _ticket(reference: str) -> Ticket:
    ticket = inbox.staff_ticket(current_user, reference)
    if ticket is None:
        abort(404, _("No such ticket in your departments."))
    return ticket


@bp.get("/tickets/<reference>")
def ticket(reference: str):
    t = _ticket(reference)
    return _page(t)


def _page(t: Ticket, status: int = 200, **forms):
    if status != 200 and any(f.filename for f in request.files.getlist("attachments")):
        # a browser never re-sends chosen files with the refused form: say so instead of losing them silently
        flash(_("Your files were not kept: please attach them again."), "error")
    transfer = forms.get("transfer") or TransferForm()
    transfer.department.choices = [SelectChoice(d.code, department_name(d)) for d in departments.all_departments()
                                   if d.id != t.department_id]
    thread, events = inbox.thread(t), inbox.events(t)
    departments_by_code, people = inbox.history_people(events)
    names = history_text.names_for(events, departments_by_code, people, department_name)
    others = inbox.sellers_other_tickets(current_user, t)
    colleagues = inbox.colleagues(t)
    seen = staff_actions.last_event_id(t)
    previous, following = inbox.queue_neighbours(current_user, t)
    return render_template(
        "inbox/ticket.html", t=t, thread=thread, previews=previews.for_thread(thread, runtime().upload_dir),
        events=events, others=others, colleagues=colleagues, previous=previous, following=following,
        history=[(e, history_text.sentence(e, names)) for e in events],
        routing=routing_text.sentence(t.routing_explanation, names.department),
        shipments=tickets.known_shipments(t), now=utcnow(), canned=canned.for_ticket(t),
        here=presence.others_here(t, current_user, utcnow()), stale=forms.get("stale"),
        # formdata=None: a refused draft stays in its own box, never copied into the other one
        reply_form=forms.get("reply") or StaffReplyForm(formdata=None, seen_event=seen),
        note_form=forms.get("note") or StaffReplyForm(formdata=None, internal="1"),
        assign_form=AssignForm(), status_form=StatusForm(status=t.status),
        resolution_reasons=resolution_reasons.choices(),
        priority_form=PriorityForm(priority=t.priority),
        transfer_form=transfer, merge_form=MergeForm(), lead_request=lead_requests.for_ticket(t),
    ), status


def _act(reference: str, form, action):
    t = _ticket(reference)
    if not form.validate():
        flash(" ".join(str(e) for errs in form.errors.values() for e in errs) or _("Invalid input."), "error")
        return _page(t, 422)
    try:
        action(t, form)
    except PortalError as exc:
        flash(exc.message, "error")
        return _page(t, exc.status_code)
    return redirect(url_for("inbox.ticket", reference=t.reference), 303)


@bp.post("/tickets/<reference>/reply")
def reply(reference: str):
    form = StaffReplyForm()
    t = _ticket(reference)
    draft = {"note" if form.internal.data == "1" else "reply": form}  # a refused note stays a note
    if not form.validate():
        flash(" ".join(str(e) for errs in form.errors.values() for e in errs), "error")
        return _page(t, 422, **draft)
    seen = None if form.confirm.data == "1" else form.seen_event_id()
    rt = runtime()
    try:
        files = uploads.check_files(form.attachments.data, rt.upload_max_bytes, rt.upload_max_files)
        staff_actions.reply(t, current_user, form.clean_body(), form.internal.data == "1", now=utcnow(),
                            seen_event_id=seen, files=files, upload_dir=rt.upload_dir,
                            status=form.new_status(), reason=form.reason.data, require_reason=True)
    except staff_actions.StaleView as exc:
        # keep the draft, show what crossed it, and let the writer send it deliberately
        form.seen_event.data = str(staff_actions.last_event_id(t))
        form.confirm.data = "1"
        return _page(t, 409, reply=form, stale=exc.message)
    except PortalError as exc:
        flash(exc.message, "error")
        return _page(t, exc.status_code, **draft)
    if request.form.get("then") == "next":
        return _to_next(t)
    return redirect(url_for("inbox.ticket", reference=t.reference), 303)


def _to_next(t: Ticket):
    """After "Send and go to the next ticket": the next one of the agent's queue, or the inbox when none is left."""
    following = inbox.queue_neighbours(current_user, t)[1]
    flash(_("Sent on %(reference)s.", reference=t.reference), "success")
    if following is None:
        flash(_("No more tickets in your queue."), "success")
        return redirect(url_for("inbox.index"), 303)
    return redirect(url_for("inbox.ticket", reference=following.reference), 303)


@bp.post("/tickets/<reference>/presence")
def check_in(reference: str):
    t = _ticket(reference)
    others = presence.check_in(t, current_user, utcnow())
    return {"others": [u.name for u in others]}


@bp.post("/inbox/bulk")
def bulk_action():
    form = BulkForm()
    if not form.validate():
        flash(" ".join(str(e) for errs in form.errors.values() for e in errs), "error")
        return redirect(url_for("inbox.index"), 303)
    try:
        result = bulk.apply(current_user, request.form.getlist("refs"), form.action.data, form.chosen_value(),
                            form.reason.data or "", now=utcnow(), resolution_reason=form.resolution_reason.data)
    except PortalError as exc:
        flash(exc.message, "error")
        if "reason" in exc.fields:  # resolving without a reason: refused as a whole, said at once
            return _inbox_page(exc.status_code)
        return redirect(url_for("inbox.index"), 303)
    flash(result.summary(), "error" if result.failed else "success")
    return redirect(url_for("inbox.index"), 303)


@bp.get("/notifications")
def notification_list():
    return render_template("inbox/notifications.html", items=notifications.recent(current_user),
                           notification_text=notification_text.text)


@bp.post("/notifications/read")
def notifications_read():
    # CSRFProtect has already checked the token of every POST
    notifications.mark_all_read(current_user, utcnow())
    return redirect(url_for("inbox.notification_list"), 303)


@bp.post("/tickets/<reference>/assign")
def assign(reference: str):
    return _act(reference, AssignForm(),
                lambda t, f: staff_actions.assign(t, current_user, f.assignee.data, now=utcnow()))


@bp.post("/tickets/<reference>/status")
def status(reference: str):
    return _act(reference, StatusForm(),
                lambda t, f: staff_actions.change_status(t, current_user, f.status.data, now=utcnow(),
                                                         reason=f.reason.data, require_reason=True))


@bp.post("/tickets/<reference>/priority")
def priority(reference: str):
    return _act(reference, PriorityForm(),
                lambda t, f: staff_actions.change_priority(t, current_user, f.priority.data, now=utcnow()))


@bp.post("/tickets/<reference>/transfer")
def transfer(reference: str):
    """Move the ticket; an agent who can no longer see it lands on the inbox, told where it went."""
    form = TransferForm()
    form.department.choices = [SelectChoice(d.code, d.name) for d in departments.all_departments()]
    t = _ticket(reference)
    if not form.validate():
        flash(" ".join(str(e) for errs in form.errors.values() for e in errs) or _("Invalid input."), "error")
        return _page(t, 422)
    try:
        staff_actions.transfer(t, current_user, form.department.data, form.reason.data, now=utcnow())
    except PortalError as exc:
        flash(exc.message, "error")
        return _page(t, exc.status_code)
    flash(_("Transferred to %(department)s.", department=department_name(t.department)), "success")
    if inbox.staff_ticket(current_user, t.reference) is None:
        return redirect(url_for("inbox.index"), 303)
    return redirect(url_for("inbox.ticket", reference=t.reference), 303)


@bp.post("/tickets/<reference>/merge")
def merge(reference: str):
    return _act(reference, MergeForm(),
                lambda t, f: staff_actions.merge(t, current_user, f.into.data, now=utcnow()))


@bp.get("/attachments/<int:attachment_id>")
def attachment(attachment_id: int):
    row = inbox.staff_attachment(current_user, attachment_id)
    if row is None:
        abort(404, _("No such file."))
    try:
        return uploads.send_attachment(row, runtime().upload_dir)
    except NotFound as exc:
        abort(404, exc.message)


@bp.get("/attachments/<int:attachment_id>/thumb")
def attachment_thumb(attachment_id: int):
    """The inline thumbnail of an image attachment, to whoever may have the file itself."""
    row = inbox.staff_attachment(current_user, attachment_id)
    if row is None:
        abort(404, _("No such file."))
    try:
        return previews.send_thumbnail(row, runtime().upload_dir)
    except NotFound as exc:
        abort(404, exc.message)
