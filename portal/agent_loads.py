"""Each agent's count of open tickets, users.open_tickets, as migration 0020 keeps it: triggers on
tickets add one when a ticket becomes assigned and open (new, open, waiting on the seller) and take
one away when it stops being either, whichever code or statement changes it. A submission picks the
least-loaded agent from these counts, one row per agent, instead of counting the department's open
tickets each time (bench/README.md: that cost grew with the backlog).

Plain SQL and nothing else, so that the migration can import it. Changing a statement here changes
what 0020 creates on a new database: a change for existing databases needs a migration of its own
(so does a change of the open statuses, which the triggers name)."""

OPEN = "('new', 'open', 'waiting_on_seller')"  # vocabulary.OPEN_STATUSES when 0020 was written

SQLITE = (
    "CREATE TRIGGER tickets_load_insert AFTER INSERT ON tickets "
    f"WHEN new.assignee_id IS NOT NULL AND new.status IN {OPEN} BEGIN "
    "UPDATE users SET open_tickets = open_tickets + 1 WHERE id = new.assignee_id; END",
    "CREATE TRIGGER tickets_load_delete AFTER DELETE ON tickets "
    f"WHEN old.assignee_id IS NOT NULL AND old.status IN {OPEN} BEGIN "
    "UPDATE users SET open_tickets = open_tickets - 1 WHERE id = old.assignee_id; END",
    "CREATE TRIGGER tickets_load_update AFTER UPDATE OF assignee_id, status ON tickets "
    f"WHEN old.assignee_id IS NOT new.assignee_id OR (old.status IN {OPEN}) <> (new.status IN {OPEN}) BEGIN "
    f"UPDATE users SET open_tickets = open_tickets - 1 WHERE id = old.assignee_id AND old.status IN {OPEN}; "
    f"UPDATE users SET open_tickets = open_tickets + 1 WHERE id = new.assignee_id AND new.status IN {OPEN}; END",
)
SQLITE_DROP = ("DROP TRIGGER IF EXISTS tickets_load_insert", "DROP TRIGGER IF EXISTS tickets_load_delete",
               "DROP TRIGGER IF EXISTS tickets_load_update")

POSTGRESQL = (
    "CREATE FUNCTION tickets_load() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    f"IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.assignee_id IS NOT NULL AND OLD.status IN {OPEN} THEN "
    "UPDATE users SET open_tickets = open_tickets - 1 WHERE id = OLD.assignee_id; END IF; "
    f"IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.assignee_id IS NOT NULL AND NEW.status IN {OPEN} THEN "
    "UPDATE users SET open_tickets = open_tickets + 1 WHERE id = NEW.assignee_id; END IF; "
    "RETURN NULL; END $$",
    "CREATE TRIGGER tickets_load AFTER INSERT OR DELETE ON tickets FOR EACH ROW EXECUTE FUNCTION tickets_load()",
    # only when the assignee or the open state changes: other updates of a ticket never touch users
    "CREATE TRIGGER tickets_load_update AFTER UPDATE OF assignee_id, status ON tickets FOR EACH ROW "
    f"WHEN (OLD.assignee_id IS DISTINCT FROM NEW.assignee_id OR (OLD.status IN {OPEN}) <> (NEW.status IN {OPEN})) "
    "EXECUTE FUNCTION tickets_load()",
)
POSTGRESQL_DROP = ("DROP TRIGGER IF EXISTS tickets_load_update ON tickets",
                   "DROP TRIGGER IF EXISTS tickets_load ON tickets", "DROP FUNCTION IF EXISTS tickets_load()")

# every agent's count from the tickets themselves: what the triggers keep, for the migration and checks
RECOUNT = (f"UPDATE users SET open_tickets = (SELECT count(*) FROM tickets WHERE tickets.assignee_id = users.id "
           f"AND tickets.status IN {OPEN})")
