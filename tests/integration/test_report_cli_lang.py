"""`report sla … --lang vi`: the same report with its header row and the words of its values in
Vietnamese; the default (and `--lang en`) is the contract's column names and codes, byte for byte.
The command line speaks English."""
import csv
import datetime as dt
import io

import openpyxl
import pytest
from flask_babel import force_locale

from portal.services import reports
from portal.services.reports.words import value_words
from portal.services.runtime import runtime
from sla import aggregates, ticket_report
from tests import factories


@pytest.fixture
def day(demo, now):
    for code in ("DEMO-001", "DEMO-002"):
        factories.ticket(now - dt.timedelta(minutes=5), seller=code, description="Đơn hàng chưa được lấy", tracking=())
    return str(now.astimezone(runtime().timezone).date())


def run(runner, day: str, out, *extra: str):
    result = runner.invoke(args=["report", "sla", "--from", day, "--to", day, "--out", str(out), *extra])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == f"wrote {out}"
    return out.read_bytes()


def labels(columns) -> list[str]:
    with force_locale("vi"):
        return [str(reports.COLUMN_LABELS[c]) for c in columns]


@pytest.mark.parametrize("by", ["ticket", "department", "agent"])
def test_lang_vi_translates_the_header_row_and_the_words_of_values(runner, day, tmp_path, by):
    default = run(runner, day, tmp_path / "default.csv", "--by", by)
    english = run(runner, day, tmp_path / "en.csv", "--by", by, "--lang", "en")
    vi = run(runner, day, tmp_path / "vi.csv", "--by", by, "--lang", "vi")
    assert english == default
    columns = (list(ticket_report.TICKET_COLUMNS) if by == "ticket"
               else aggregates.GROUPINGS[by] + aggregates.GROUP_COLUMNS)
    default_text, vi_text = default.decode("utf-8-sig"), vi.decode("utf-8-sig")
    assert default_text.split("\r\n", 1)[0] == ",".join(columns)
    assert next(csv.reader(io.StringIO(vi_text))) == labels(columns)
    words = value_words("vi")
    default_rows, vi_rows = list(csv.reader(io.StringIO(default_text)))[1:], list(csv.reader(io.StringIO(vi_text)))[1:]
    assert len(vi_rows) == len(default_rows) > 0
    for plain, worded in zip(default_rows, vi_rows, strict=True):
        assert worded == [words.get(column, {}).get(cell, cell) for column, cell in zip(columns, plain, strict=True)]
    assert (vi_rows != default_rows) == (by != "agent")  # an agent's row has no codes to put in words
    assert vi.startswith(b"\xef\xbb\xbf")


def test_lang_vi_for_a_workbook_and_unknown_languages(runner, day, tmp_path):
    run(runner, day, tmp_path / "vi.xlsx", "--by", "category", "--lang", "vi")
    sheet = openpyxl.load_workbook(tmp_path / "vi.xlsx")["SLA"]
    assert [c.value for c in sheet[1]] == labels(aggregates.GROUPINGS["category"] + aggregates.GROUP_COLUMNS)
    refused = runner.invoke(args=["report", "sla", "--from", day, "--to", day, "--out", str(tmp_path / "x.csv"),
                                  "--lang", "fr"])
    assert refused.exit_code != 0 and not (tmp_path / "x.csv").exists()


def test_the_command_line_answers_in_english(runner, day, tmp_path):
    bad = runner.invoke(args=["report", "sla", "--from", "2026-03-10", "--to", "2026-03-01", "--lang", "vi",
                              "--out", str(tmp_path / "x.csv")])
    assert bad.exit_code != 0 and "The end date is before the start date." in bad.output
    unknown = runner.invoke(args=["report", "sla", "--from", day, "--to", day, "--department", "moon",
                                  "--out", str(tmp_path / "x.csv")])
    assert unknown.exit_code != 0 and "Unknown department moon." in unknown.output
