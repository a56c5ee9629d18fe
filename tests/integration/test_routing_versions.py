"""Versioned routing rules on a real database: saving, restoring, the per-process cache, the
back-test over recent tickets, audit events, concurrent saves and the `routing` commands."""
from __future__ import annotations

import copy
import datetime as dt
import json
import threading

import pytest
from sqlalchemy import event, func, select

import routing
from portal.extensions import db
from portal.models import AuditEvent, Department, RoutingRuleSet, Ticket
from portal.services import audit, routing_rules
from portal.services.errors import Conflict, InvalidInput, NotFound
from portal.services.runtime import runtime
from tests import factories
from tests.routing_rulesets import V1, V2


def save(data, comment="", now=None, **kwargs):
    return routing_rules.save_version(copy.deepcopy(data), comment, now=now or dt.datetime.now(dt.UTC),
                                      actor_label=kwargs.pop("actor_label", "test"), **kwargs)


def saved_versions() -> list[int]:
    return list(db.session.scalars(select(RoutingRuleSet.version).order_by(RoutingRuleSet.version)))


# --- versions and the tickets they route ---------------------------------------------------------

def test_without_saved_versions_the_file_rules_route(demo, now):
    shipped = routing.load_rules()
    assert routing_rules.active_ruleset() == shipped and runtime().ruleset == shipped
    ticket = factories.ticket(now, category="delivery_delay", description="giao chậm")
    assert ticket.routing_rule_version == shipped.version
    assert ticket.routing_explanation.endswith(f"(rules {shipped.version})")


def test_saves_number_versions_and_each_ticket_keeps_the_version_that_routed_it(demo, now):
    before = factories.ticket(now, category="other", description="hoàn tiền giúp shop")
    assert save(V1, "refunds to returns").version == 1
    first = factories.ticket(now, category="other", description="hoàn tiền giúp shop")
    assert (first.department.code, first.routing_rule_version) == ("returns", "v1")
    assert first.routing_explanation == "returns: rule refunds matched 'hoàn tiền' (rules v1)"

    row = save(V2, "refunds are paid by finance")
    assert (row.version, row.comment, row.created_by) == (2, "refunds are paid by finance", "test")
    # the very next ticket in this process uses v2, without waiting for the cache to expire
    second = factories.ticket(now, category="other", description="hoàn tiền giúp shop")
    assert (second.department.code, second.routing_rule_version) == ("finance", "v2")
    assert second.routing_explanation == "finance: rule refunds matched 'hoàn tiền' (rules v2)"

    restored = routing_rules.restore_version(1, now=now, actor_label="test")
    assert (restored.version, restored.comment) == (3, "restore of v1")
    third = factories.ticket(now, category="other", description="hoàn tiền giúp shop")
    assert (third.department.code, third.routing_rule_version) == ("returns", "v3")
    assert saved_versions() == [1, 2, 3]
    assert routing_rules.ruleset_of(restored).rules == routing_rules.ruleset_of(routing_rules.version(1)).rules

    db.session.expire_all()
    shipped = routing.load_rules().version
    assert [db.session.get(Ticket, t.id).routing_rule_version for t in (before, first, second, third)] == \
        [shipped, "v1", "v2", "v3"]
    assert f"(rules {shipped})" in db.session.get(Ticket, before.id).routing_explanation


def test_a_saved_row_holds_its_version_name_and_round_trips(demo, now):
    row = save(V2)
    stored = json.loads(row.rules_json)
    assert stored["version"] == "v1"
    ruleset = routing_rules.ruleset_of(row)
    assert ruleset.version == "v1" and [rule.id for rule in ruleset.rules] == ["refunds", "pickup"]
    assert routing_rules.version(1).id == row.id
    with pytest.raises(NotFound):
        routing_rules.version(2)
    with pytest.raises(NotFound):
        routing_rules.restore_version(7, now=now, actor_label="test")


@pytest.mark.parametrize(("data", "messages"), [
    ([], ["The rules must be a JSON object, not a list."]),
    ({"category_defaults": {"finance": "accounting"}, "rules": [{"id": "x", "department": "moon"}]},
     ["The department for category 'finance': 'accounting' is not a known department",
      "Rule 'x': 'moon' is not a known department"]),
    ({"category_defaults": {}, "rules": [{"id": "a", "department": "apps"}]},
     ["Rule 'a': give at least one condition"]),
])
def test_invalid_rules_are_refused_with_every_message_and_nothing_is_saved(demo, now, data, messages):
    with pytest.raises(InvalidInput) as caught:
        save(data)
    problems = caught.value.fields["rules_json"]
    assert all(any(message in problem for problem in problems) for message in messages), problems
    assert "nothing was saved" in caught.value.message
    assert saved_versions() == [] and db.session.scalar(select(func.count(AuditEvent.id))) == 0


@pytest.mark.parametrize(("text", "message"), [
    ("", "empty"),
    ('{"rules": [', "Not valid JSON: a value is missing at line 1, column 12."),
    ('{"a": 1,}', "Not valid JSON"),
    ("[1, 2]", "must be a JSON object"),
    ("[" * 100_000, "Not valid"),
])
def test_rules_text_must_be_a_json_object(text, message):
    with pytest.raises(InvalidInput) as caught:
        routing_rules.rules_from_text(text)
    assert message in caught.value.message and caught.value.fields["rules_json"]


def test_a_long_comment_is_refused(demo, now):
    with pytest.raises(InvalidInput) as caught:
        save(V1, "x" * 501)
    assert "comment" in caught.value.fields and saved_versions() == []


def test_saving_records_an_audit_event_with_a_readable_diff(demo, now, app):
    save(V1, "first")
    save(V2, "second")
    events = list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
    assert [(e.action, e.target_kind, e.target_label, e.actor_label) for e in events] == [
        ("routing.saved", "routing", "v1", "test"), ("routing.saved", "routing", "v2", "test")]
    first, second = events
    assert first.before["version"] == routing.load_rules().version  # v1 replaced the file's rules
    assert first.after["rule refunds"] == "department returns; priority normal; categories other; keywords hoàn tiền"
    assert first.after["comment"] == "first"
    changed = {key for key, old, new in audit.changes(second.before, second.after)}
    assert changed == {"version", "comment", "rule order", "rule refunds", "rule pickup"}
    assert (second.before["rule order"], second.after["rule order"]) == ("refunds", "refunds pickup")
    assert "rule pickup" not in second.before


# --- conflicts and concurrent saves ----------------------------------------------------------------

def test_a_save_based_on_an_older_version_is_a_conflict(demo, now):
    save(V1, base_version=0)
    with pytest.raises(Conflict) as caught:
        save(V2, base_version=0)
    assert "The active rules are v1 now" in caught.value.message
    assert save(V2, base_version=1).version == 2
    assert saved_versions() == [1, 2]


def test_the_loser_of_a_version_number_retries_with_the_next(demo, now, monkeypatch):
    save(V1)
    real_newest, calls = routing_rules.newest, []

    def stale_once():
        calls.append(1)
        return None if len(calls) == 1 else real_newest()  # as if v1 were committed after this read

    monkeypatch.setattr(routing_rules, "newest", stale_once)
    assert save(V2).version == 2
    assert len(calls) == 2 and saved_versions() == [1, 2]
    labels = list(db.session.scalars(select(AuditEvent.target_label).order_by(AuditEvent.id)))
    assert labels == ["v1", "v2"]  # the failed attempt's audit event went with its rollback
    assert routing_rules.active_ruleset().version == "v2"


def test_concurrent_saves_get_distinct_versions(app, demo):
    app_object = app
    barrier, results, errors = threading.Barrier(3), [], []

    def saver(index):
        with app_object.app_context():
            try:
                barrier.wait(timeout=10)
                results.append(save({**V2, "rules": V2["rules"][:1 + index % 2]}, f"thread {index}").version)
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=saver, args=(index,)) for index in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sorted(results) == [1, 2, 3] and saved_versions() == [1, 2, 3]
    assert db.session.scalar(select(func.count(AuditEvent.id))) == 3


# --- the per-process cache -----------------------------------------------------------------------

class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def count_statements(app):
    statements = []

    def listener(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    return statements, lambda: event.remove(db.engine, "before_cursor_execute", listener)


def test_another_process_sees_a_save_within_the_recheck_time_with_one_cheap_query(app, demo, now):
    clock = FakeClock()
    other_process = routing_rules.ActiveRules(routing.load_rules(), recheck_seconds=5, clock=clock)
    save(V1)
    assert other_process.current().version == "v1"
    save(V2)  # saved "elsewhere": this process's own cache knows at once, the other one not yet
    assert routing_rules.active_ruleset().version == "v2"
    statements, stop = count_statements(app)
    try:
        clock.now += 4.9
        assert other_process.current().version == "v1"
        assert statements == []  # no database round trip inside the recheck time
        clock.now += 0.2
        assert other_process.current().version == "v2"
        assert len(statements) == 2  # max(version), then the new row
        clock.now += 5.1
        assert other_process.current().version == "v2"
        assert len(statements) == 3 and "max" in statements[-1].lower()  # unchanged: one cheap query
    finally:
        stop()


def test_a_read_that_overlaps_a_save_in_this_process_does_not_undo_it(app, demo):
    clock = FakeClock()
    save(V1)
    v2 = routing.RuleSet.from_dict({**V2, "version": "v2"})

    class SaveDuringRead(routing_rules.ActiveRules):
        def _load(self, number):
            loaded = super()._load(number)
            self.remember(2, v2)  # this process saved v2 while the read of v1 was on its way
            return loaded

    cache = SaveDuringRead(routing.load_rules(), recheck_seconds=5, clock=clock)
    assert cache.current().version == "v1"  # what the read found, used once
    assert cache.current() is v2  # the save is not overwritten by the older read


def test_the_file_rules_apply_until_a_version_is_saved(app, demo):
    clock = FakeClock()
    fallback = routing.RuleSet.from_dict({**V1, "version": "file-1"})
    cache = routing_rules.ActiveRules(fallback, recheck_seconds=5, clock=clock)
    assert cache.current() is fallback
    save(V2)
    clock.now += 6
    assert cache.current().version == "v1"


def test_a_version_that_no_longer_validates_falls_back_to_the_file_rules(app, demo, now, caplog):
    db.session.add(RoutingRuleSet(version=1, rules_json='{"version": "v1", "category_defaults": {"x": "y"}}',
                                  comment="", created_at=now, created_by="test"))
    db.session.commit()
    cache = routing_rules.ActiveRules(routing.load_rules(), clock=FakeClock())
    assert cache.current() == routing.load_rules()
    assert "no longer validate" in caplog.text


def test_a_rebuilt_runtime_starts_from_the_database(app, demo, now):
    save(V1)
    app.extensions.pop("portal.runtime")
    assert runtime().ruleset.version == "v1"


# --- back-test -----------------------------------------------------------------------------------

def test_backtest_counts_the_moves_of_a_change_on_recent_tickets(demo, now):
    save(V1)
    refunds = [factories.ticket(now - dt.timedelta(hours=n), category="other",
                                description=f"Khi nào hoàn tiền đơn {n}?") for n in range(4)]
    long_text = "Shop cần hoàn tiền " + "rất gấp " * 40
    refunds.append(factories.ticket(now - dt.timedelta(days=2), category="other", description=long_text))
    pickups = [factories.ticket(now - dt.timedelta(days=3), category="other", description="Shipper chưa lấy hàng")
               for _ in range(2)]
    for _ in range(3):
        factories.ticket(now, category="delivery_delay", description="giao chậm")
    # the refund rule is only for 'other'
    factories.ticket(now, category="order_return_status", description="hoàn tiền cho đơn hoàn")
    factories.ticket(now - dt.timedelta(days=40), category="other", description="hoàn tiền")  # outside the 30 days
    # staff moved one refund ticket to finance already: still a move of this change, counted apart
    refunds[0].department_id = db.session.scalar(select(Department.id).where(Department.code == "finance"))
    db.session.commit()
    assert [t.department.code for t in refunds + pickups] == ["finance"] + ["returns"] * 4 + ["triage"] * 2

    report = routing_rules.backtest(copy.deepcopy(V2), 30, now)
    assert (report.total, report.unchanged, report.moved, report.in_period) == (11, 4, 7, 11)
    assert (report.baseline_version, report.elsewhere_now, report.capped) == ("v1", 1, False)
    assert [(m.source, m.target, m.count) for m in report.moves] == [("returns", "finance", 5),
                                                                      ("triage", "delivery", 2)]
    assert {e.reference for e in report.moves[0].examples} == {t.reference for t in refunds}
    assert {e.reference for e in report.moves[1].examples} == {t.reference for t in pickups}
    long_example = next(e for e in report.moves[0].examples if e.reference == refunds[-1].reference)
    assert long_example.category == "other" and long_example.snippet.startswith("Shop cần hoàn tiền rất gấp")
    assert len(long_example.snippet) <= routing_rules.SNIPPET_LENGTH and long_example.snippet.endswith("gấp…")
    assert report.lines() == ["5 tickets would move from returns to finance",
                              "2 tickets would move from triage to delivery", "4 of 11 tickets unchanged"]
    assert routing_rules.backtest(copy.deepcopy(V2), 1, now).total == 8  # the last day only
    assert routing_rules.backtest(copy.deepcopy(V1), 30, now).moved == 0  # the active rules move nothing
    assert saved_versions() == [1]  # a back-test stores nothing


def test_backtest_keeps_ten_examples_and_can_be_capped(demo, now):
    save(V1)
    for n in range(12):
        factories.ticket(now - dt.timedelta(minutes=n), category="other", description="hoàn tiền")
    report = routing_rules.backtest(copy.deepcopy(V2), 7, now)
    assert [(m.count, len(m.examples)) for m in report.moves] == [(12, 10)]
    capped = routing_rules.backtest(copy.deepcopy(V2), 7, now, limit=5)
    assert (capped.total, capped.in_period, capped.capped, capped.moves[0].count) == (5, 12, True, 5)


def test_backtest_refuses_invalid_rules_and_days(demo, now):
    with pytest.raises(InvalidInput):
        routing_rules.backtest({"category_defaults": {"x": "moon"}}, 30, now)
    with pytest.raises(InvalidInput) as caught:
        routing_rules.backtest(copy.deepcopy(V2), 0, now)
    assert "days" in caught.value.fields


def test_backtest_of_no_tickets(demo, now):
    report = routing_rules.backtest(copy.deepcopy(V2), 30, now)
    assert (report.total, report.moves, report.lines()) == (0, (), ["no tickets in the last 30 days"])


# --- the `routing` commands ----------------------------------------------------------------------

def test_routing_save_command_validates_saves_and_audits(app, demo, runner, tmp_path):
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(V2, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(args=["routing", "save", str(path), "--comment", "from the CLI"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == "saved routing rules v1"
    row = routing_rules.version(1)
    assert (row.comment, row.created_by) == ("from the CLI", "cli")
    audit_event = db.session.scalar(select(AuditEvent))
    assert (audit_event.action, audit_event.actor_label, audit_event.target_label) == ("routing.saved", "cli", "v1")

    path.write_text(json.dumps({**V2, "fallback_department": "moon", "rules": [{"id": "x"}]}), encoding="utf-8")
    bad = runner.invoke(args=["routing", "save", str(path)])
    assert bad.exit_code != 0 and "2 problems" in bad.output
    assert "'moon' is not a known department" in bad.output and "Rule 'x'" in bad.output
    path.write_text("{not json", encoding="utf-8")
    broken = runner.invoke(args=["routing", "save", str(path)])
    assert broken.exit_code != 0 and "Not valid JSON" in broken.output
    assert saved_versions() == [1]


def test_routing_test_command_replays_the_active_version_by_default(app, demo, runner, now, tmp_path):
    save(V1)
    for description in ("hoàn tiền", "hoàn tiền nữa", "giao chậm"):
        factories.ticket(now - dt.timedelta(minutes=1), category="other", description=description)
    same = runner.invoke(args=["routing", "test", "--days", "7"])
    assert same.exit_code == 0, same.output
    assert "rules v1: 3 tickets of the last 7 days replayed" in same.output
    assert "3 of 3 tickets unchanged" in same.output
    save(V2)
    moved = runner.invoke(args=["routing", "test", "--days", "7"])
    assert "rules v2" in moved.output and "2 tickets would move from returns to finance" in moved.output
