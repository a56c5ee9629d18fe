"""The smallest useful Flask + SQLAlchemy app, as a yardstick for the seller submission figure.

One table, `GET /t` (a tiny form page, so the client does the same GET+POST pair as against the
portal) and `POST /t` (insert one row, commit, answer 303). Served by the same gunicorn settings
(gunicorn.conf.py) on the same kind of database; SQLite gets the portal's WAL/busy-timeout/synchronous
pragmas so both sides pay the same durability cost.

    BARE_DATABASE_URL=sqlite:////tmp/bare.sqlite3 python bench/bare_app.py init    # create the table
    gunicorn -c gunicorn.conf.py --pythonpath bench -b 127.0.0.1:8001 bare_app:app
"""
from __future__ import annotations

import datetime as dt
import os
import sys
import uuid

from flask import Flask, redirect, request
from sqlalchemy import DateTime, Integer, String, Text, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, scoped_session, sessionmaker


class Base(DeclarativeBase):
    pass


class Row(Base):
    __tablename__ = "bench_bare_rows"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category: Mapped[str] = mapped_column(String(32))
    tracking_numbers: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


def _url() -> str:
    url = os.environ.get("BARE_DATABASE_URL") or os.environ.get("DATABASE_URL") or "sqlite:///bare.sqlite3"
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def make_engine(url: str):
    engine = create_engine(url, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=15000")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()
    return engine


engine = make_engine(_url())
Session = scoped_session(sessionmaker(engine))
app = Flask(__name__)

FORM = ('<!doctype html><title>t</title><form method="post" action="/t" enctype="multipart/form-data">'
        '<input type="hidden" name="csrf_token" value="{token}">'
        '<input type="hidden" name="submission_key" value="{key}">'
        '<textarea name="description"></textarea><button>Send</button></form>')


@app.get("/t")
def form():
    return FORM.format(token=uuid.uuid4().hex, key=uuid.uuid4().hex)


@app.post("/t")
def create():
    row = Row(category=request.form.get("category", "other"),
              tracking_numbers=request.form.get("tracking_numbers", ""),
              description=request.form.get("description", ""), created_at=dt.datetime.now(dt.UTC))
    Session.add(row)
    Session.commit()
    return redirect(f"/t/{row.id}", 303)


@app.get("/healthz")
def healthz():
    return {"status": "ok"}


@app.teardown_appcontext
def _remove_session(_exc):
    Session.remove()


def init() -> None:
    Base.metadata.create_all(engine)


if __name__ == "__main__":
    if sys.argv[1:] == ["init"]:
        init()
    else:
        sys.exit("usage: bare_app.py init")
