"""Versioned routing rules: the active version (cached per process), saving, restoring, back-testing.

The newest saved RoutingRuleSet routes new tickets; with none saved, the rules file of
ROUTING_RULES_FILE (or the shipped routing/default_rules.json) does. A saved version is named
"v<N>", and that name is what every ticket routed by it stores and explains.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app
from flask_babel import LazyString, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

import routing
from routing import messages

from ..extensions import db
from ..models import RoutingRuleSet, Ticket, User
from . import audit
from .errors import Conflict, InvalidInput, NotFound
from .routing_replay import recent_tickets

log = logging.getLogger(__name__)

RECHECK_SECONDS = 5.0  # how stale another process's save may look here
BACKTEST_MAX_TICKETS = 20_000  # the newest tickets of the period; keeps a preview within seconds
MAX_DAYS = 365
COMMENT_MAX = 500
SNIPPET_LENGTH = 140
SAVE_ATTEMPTS = 3
_CACHE_KEY = "portal.routing_rules"
_DRAFT = "draft"  # stands in for the version of rules being edited: saving assigns "v<N>"


def version_label(number: int) -> str:
    """The name of saved version `number`, as tickets store it: "v<N>"."""
    return f"v{number}"


# ---- the active version, cached per process ----

@dataclass(frozen=True)
class _Cached:
    number: int | None  # None: no saved version, the file's rules apply
    ruleset: routing.RuleSet
    fresh_until: float


class ActiveRules:
    """The rule set new tickets use, cached in this process. A save here replaces it at once
    (`remember`); saves by other processes are noticed by one `SELECT max(version)` at most every
    `recheck_seconds`."""

    def __init__(self, fallback: routing.RuleSet, recheck_seconds: float = RECHECK_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.fallback = fallback
        self.recheck_seconds = recheck_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._cached: _Cached | None = None
        self._remembered = 0  # counts `remember` calls, so a read that overlapped one does not undo it

    def current(self) -> routing.RuleSet:
        """The active rule set; reads the database only when the cached answer is older than the recheck time."""
        now = self._clock()
        cached = self._cached
        if cached is not None and now < cached.fresh_until:
            return cached.ruleset
        remembered = self._remembered
        newest = db.session.scalar(select(func.max(RoutingRuleSet.version)))
        ruleset = cached.ruleset if cached is not None and cached.number == newest else self._load(newest)
        with self._lock:
            if self._remembered == remembered:
                self._cached = _Cached(newest, ruleset, now + self.recheck_seconds)
        return ruleset

    def remember(self, number: int, ruleset: routing.RuleSet) -> None:
        """Use the version this process has just saved, from the very next ticket on."""
        with self._lock:
            self._remembered += 1
            self._cached = _Cached(number, ruleset, self._clock() + self.recheck_seconds)

    def _load(self, number: int | None) -> routing.RuleSet:
        if number is None:
            return self.fallback
        row = db.session.scalar(select(RoutingRuleSet).where(RoutingRuleSet.version == number))
        try:
            return ruleset_of(row)
        except ValueError:  # RuleError, or JSON that no longer parses
            # saved rules are validated, so this means the rule format changed under an old row:
            # routing must go on, and the explanations will name the rules really used
            log.exception("routing rules %s no longer validate; routing by the file's rules", version_label(number))
            return self.fallback


def reset(app: Flask) -> ActiveRules:
    """Read the app's rules file again and forget the cached version (runtime() calls this when it is rebuilt)."""
    cache = ActiveRules(routing.load_rules(app.config.get("ROUTING_RULES_FILE")),
                        float(app.config.get("ROUTING_RULES_RECHECK_SECONDS", RECHECK_SECONDS)))
    app.extensions[_CACHE_KEY] = cache
    return cache


def _active() -> ActiveRules:
    app = current_app._get_current_object()
    return app.extensions.get(_CACHE_KEY) or reset(app)


def active_ruleset() -> routing.RuleSet:
    """The rules new tickets are routed by: the newest saved version ("v<N>"), else the file's rules.
    Cached in-process; see ActiveRules for how soon other processes' saves are seen."""
    return _active().current()


def file_ruleset() -> routing.RuleSet:
    """The rules of ROUTING_RULES_FILE or the shipped file: what applies while no version is saved."""
    return _active().fallback


# ---- reading saved versions ----

def ruleset_of(row: RoutingRuleSet) -> routing.RuleSet:
    """The rule set a saved row holds, named by its version ("v<N>")."""
    ruleset = routing.RuleSet.from_dict(json.loads(row.rules_json))
    return dataclasses.replace(ruleset, version=version_label(row.version))


def newest() -> RoutingRuleSet | None:
    """The newest saved version, read from the database (not the cache)."""
    return db.session.scalar(select(RoutingRuleSet).order_by(RoutingRuleSet.version.desc()).limit(1))


def versions() -> list[RoutingRuleSet]:
    """Every saved version, newest first."""
    return list(db.session.scalars(select(RoutingRuleSet).order_by(RoutingRuleSet.version.desc())))


def version(number: int) -> RoutingRuleSet:
    """One saved version; NotFound when there is no such version."""
    row = db.session.scalar(select(RoutingRuleSet).where(RoutingRuleSet.version == number))
    if row is None:
        raise NotFound(_l("There is no routing rules version %(version)s.", version=version_label(number)))
    return row


@dataclass(frozen=True)
class ActiveVersion:
    """What routes new tickets now, read fresh for the admin page."""

    number: int | None  # None while the file's rules apply
    ruleset: routing.RuleSet
    row: RoutingRuleSet | None


def active_version() -> ActiveVersion:
    """The newest saved version (or the file's rules), read from the database."""
    row = newest()
    return ActiveVersion(row.version, ruleset_of(row), row) if row else ActiveVersion(None, file_ruleset(), None)


def to_json(ruleset: routing.RuleSet) -> str:
    """The rule set as the indented JSON an editor shows and a row stores."""
    return json.dumps(ruleset.to_dict(), ensure_ascii=False, indent=2)


# ---- validating and saving ----

def rules_from_text(text: str | None) -> dict[str, Any]:
    """Parse edited rules JSON; InvalidInput (naming line and column) when it is not a JSON object."""
    if not (text or "").strip():
        raise InvalidInput(_l("Paste or edit the rules JSON; it is empty."),
                           {"rules_json": [_l("The rules are empty.")]})
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        message = _l("Not valid JSON: %(error)s at line %(line)s, column %(column)s.", line=exc.lineno,
                     error=LazyString(messages.json_error, exc.msg, gettext), column=exc.colno)
        raise InvalidInput(message, {"rules_json": [message]}) from None
    except RecursionError:
        message = _l("Not valid rules: the JSON is nested far too deeply.")
        raise InvalidInput(message, {"rules_json": [message]}) from None
    if not isinstance(data, dict):
        message = _l('The rules must be a JSON object ({"rules": [...], ...}), not a %(kind)s.',
                     kind=LazyString(messages.kind, type(data).__name__, gettext))
        raise InvalidInput(message, {"rules_json": [message]})
    return data


def validate(data: Any) -> routing.RuleSet:
    """The rule set `data` describes, its "version" ignored (saving assigns one); InvalidInput listing
    every problem otherwise."""
    if isinstance(data, Mapping):
        data = {**data, "version": _DRAFT}
    problems = routing.rule_errors(data)
    if problems:
        message = (_l("The rules have 1 problem; nothing was saved.") if len(problems) == 1 else
                   _l("The rules have %(count)s problems; nothing was saved.", count=len(problems)))
        raise InvalidInput(message, {"rules_json": [LazyString(messages.explain, p, gettext) for p in problems]})
    return routing.RuleSet.from_dict(data)


def _clean_comment(comment: str | None) -> str:
    comment = " ".join((comment or "").split())
    if len(comment) > COMMENT_MAX:
        raise InvalidInput(_l("Keep the comment under %(max)s characters.", max=COMMENT_MAX),
                           {"comment": [_l("At most %(max)s characters.", max=COMMENT_MAX)]})
    return comment


def save_version(data: Any, comment: str | None, *, now: dt.datetime, actor: User | None = None,
                 actor_label: str | None = None, base_version: int | None = None) -> RoutingRuleSet:
    """Validate `data` and store it as the next version, with its audit event, committed; from the next
    ticket on, this process routes by it. `base_version` (0 for the file's rules) is the version the
    editor started from: when someone saved another since, Conflict, so no edit silently undoes theirs.
    Two saves at once never share a number: the loser of the unique version retries, then Conflict."""
    ruleset = validate(data)
    comment = _clean_comment(comment)
    for _attempt in range(SAVE_ATTEMPTS):
        previous = newest()
        previous_number = previous.version if previous else 0
        if base_version is not None and base_version != previous_number:
            if previous_number:
                raise Conflict(_l("The active rules are %(current)s now, not the version your edit started from; "
                                  "nothing was saved. Preview your edit again to see what it changes in %(current)s.",
                                  current=version_label(previous_number)))
            raise Conflict(_l("The active rules are the rules file now, not the version your edit started from; "
                              "nothing was saved. Preview your edit again to see what it changes in the rules file."))
        number = previous_number + 1
        saved = dataclasses.replace(ruleset, version=version_label(number))
        row = RoutingRuleSet(version=number, rules_json=to_json(saved), comment=comment, created_at=now,
                             created_by=actor.email if actor else (actor_label or "system"))
        db.session.add(row)
        before = summary(ruleset_of(previous) if previous else file_ruleset())
        audit.record("routing.saved", "routing", version_label(number), before=before,
                     after=summary(saved) | {"comment": comment}, now=now, actor=actor, actor_label=actor_label)
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()  # another process took this number first
            continue
        _active().remember(number, saved)
        return row
    raise Conflict(_l("Other versions were being saved at the same moment; try again."))


def restore_version(number: int, *, now: dt.datetime, actor: User | None = None,
                    actor_label: str | None = None) -> RoutingRuleSet:
    """Save the rules of version `number` again as the newest version."""
    row = version(number)
    return save_version(json.loads(row.rules_json), f"restore of {version_label(number)}", now=now, actor=actor,
                        actor_label=actor_label)


def summary(ruleset: routing.RuleSet) -> dict[str, str]:
    """One readable line per part of the rules, so comparing two summaries shows what a change does
    (the audit log and the preview list the lines that differ)."""
    lines = {
        "version": ruleset.version,
        "fallback_department": ruleset.fallback_department,
        "category_defaults": ", ".join(f"{c}: {d}" for c, d in sorted(ruleset.category_defaults.items())) or "none",
        "rule order": " ".join(rule.id for rule in ruleset.rules) or "none",
    }
    for kind, rules in (("rule", ruleset.rules), ("priority rule", ruleset.priority_rules)):
        for rule in rules:
            lines[f"{kind} {rule.id}"] = _describe(rule)
            if rule.description:
                lines[f"{kind} {rule.id} description"] = rule.description
    if ruleset.description:
        lines["description"] = ruleset.description
    return lines


def _describe(rule: routing.Rule | routing.PriorityRule) -> str:
    parts = [f"department {rule.department}" if isinstance(rule, routing.Rule) else "", f"priority {rule.priority}"]
    if rule.categories:
        parts.append("categories " + ", ".join(rule.categories))
    if rule.keywords_any:
        parts.append("keywords " + ", ".join(rule.keywords_any))
    if rule.min_tracking_numbers is not None:
        parts.append(f"at least {rule.min_tracking_numbers} tracking numbers")
    return "; ".join(part for part in parts if part)


def changes(before: routing.RuleSet, after: routing.RuleSet) -> list[tuple[str, object, object]]:
    """(part, before, after) for every part of the rules that differs, the version aside."""
    return [change for change in audit.changes(summary(before), summary(after)) if change[0] != "version"]


# ---- back-test ----

@dataclass(frozen=True)
class Example:
    """A ticket that would move, as the preview lists it."""

    reference: str
    category: str
    snippet: str


@dataclass(frozen=True)
class Move:
    """`count` tickets that would go from department `source` to `target`, with up to ten examples."""

    source: str
    target: str
    count: int
    examples: tuple[Example, ...]


@dataclass(frozen=True)
class Backtest:
    """What proposed rules would do to recent tickets, compared with the active rules."""

    days: int
    baseline_version: str  # the active rules the tickets are compared with
    total: int  # tickets replayed
    unchanged: int
    moves: tuple[Move, ...]  # largest first
    in_period: int  # tickets created in the period (more than `total` when capped)
    elsewhere_now: int  # tickets now in another department than the active rules choose (transfers, older rules)

    @property
    def moved(self) -> int:
        return self.total - self.unchanged

    @property
    def capped(self) -> bool:
        return self.total < self.in_period

    def lines(self) -> list[str]:
        """Human summary: one line per move, largest first, then the unchanged count."""
        if not self.total:
            return [f"no tickets in the last {self.days} days"]
        lines = [f"{_tickets(m.count)} would move from {m.source} to {m.target}" for m in self.moves]
        return [*lines, f"{self.unchanged} of {_tickets(self.total)} unchanged"]


def _tickets(count: int) -> str:
    return f"{count} ticket" if count == 1 else f"{count} tickets"


def backtest(data: Any, days: int, now: dt.datetime, *, limit: int = BACKTEST_MAX_TICKETS) -> Backtest:
    """Route the tickets of the `days` days before `now` (the newest `limit` of them) by the active rules
    and by the proposed `data`, and count the tickets that would go elsewhere, per (from, to), with up to
    ten examples each. Compared with the active rules, not the tickets' departments, so that staff
    transfers and older versions do not show up as moves of this change. Nothing is stored."""
    proposed = validate(data)
    if not 1 <= days <= MAX_DAYS:
        raise InvalidInput(_l("Choose between %(min)s and %(max)s days.", min=1, max=MAX_DAYS),
                           {"days": [_l("1 to %(max)s days.", max=MAX_DAYS)]})
    baseline = active_ruleset()
    elsewhere = 0

    def by_active_rules():
        nonlocal elsewhere
        for ticket_id, department, facts in recent_tickets(days, now=now, limit=limit):
            active_department = routing.route(facts, baseline).department
            elsewhere += active_department != department
            yield ticket_id, (active_department, facts)

    report = routing.replay_items(by_active_rules(), proposed)
    in_period = report.total if report.total < limit else db.session.scalar(
        select(func.count(Ticket.id)).where(Ticket.created_at >= now - dt.timedelta(days=days),
                                            Ticket.created_at <= now))
    examples = _examples([key for keys in report.examples.values() for key in keys])
    moves = tuple(Move(source, target, count, tuple(examples[key] for key in report.examples[(source, target)]))
                  for (source, target), count in sorted(report.moved.items(), key=lambda m: (-m[1], m[0])))
    return Backtest(days=days, baseline_version=baseline.version, total=report.total, unchanged=report.unchanged,
                    moves=moves, in_period=in_period, elsewhere_now=elsewhere)


def _examples(ticket_ids: list) -> dict[int, Example]:
    if not ticket_ids:
        return {}
    rows = db.session.execute(select(Ticket.id, Ticket.reference, Ticket.category, Ticket.description)
                              .where(Ticket.id.in_(ticket_ids)))
    return {ticket_id: Example(reference or f"#{ticket_id}", category, _snippet(description))
            for ticket_id, reference, category, description in rows}


def _snippet(text: str | None) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= SNIPPET_LENGTH else text[:SNIPPET_LENGTH - 1].rstrip() + "…"
