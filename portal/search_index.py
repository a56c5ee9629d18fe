"""SQLite's word-search index, as migration 0009 creates it: an FTS5 trigram table over
tickets.search_text (external content: the text is kept once, in tickets), kept in step by triggers.
Plain SQL and nothing else, so that the migration can import it; the bulk generator drops the insert
trigger during a load and puts back exactly this one. Changing a statement here changes what 0009
creates on a new database: a change for existing databases needs a migration of its own.
(PostgreSQL's pg_trgm index is declared on the Ticket model, ix_tickets_search_trgm.)"""

SQLITE_TRIGRAM = (3, 34, 0)  # the first SQLite with FTS5's trigram tokenizer

TABLE = "tickets_search"
INSERT_TRIGGER = "tickets_search_insert"

CREATE_TABLE = (
    "CREATE VIRTUAL TABLE tickets_search USING fts5("
    "search_text, content='tickets', content_rowid='id', tokenize='trigram')")
TRIGGERS = {
    INSERT_TRIGGER:
        "CREATE TRIGGER tickets_search_insert AFTER INSERT ON tickets BEGIN "
        "INSERT INTO tickets_search (rowid, search_text) VALUES (new.id, new.search_text); END",
    "tickets_search_delete":
        "CREATE TRIGGER tickets_search_delete AFTER DELETE ON tickets BEGIN "
        "INSERT INTO tickets_search (tickets_search, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
        "END",
    "tickets_search_update":
        "CREATE TRIGGER tickets_search_update AFTER UPDATE OF id, search_text ON tickets BEGIN "
        "INSERT INTO tickets_search (tickets_search, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
        "INSERT INTO tickets_search (rowid, search_text) VALUES (new.id, new.search_text); END",
}
REBUILD = "INSERT INTO tickets_search (tickets_search) VALUES ('rebuild')"
# what the insert trigger would have done for every ticket after :after_id, in one statement
INDEX_AFTER = "INSERT INTO tickets_search (rowid, search_text) SELECT id, search_text FROM tickets WHERE id > :after_id"
