"""SLA reports. The tickets of a report come from one SQL query, streamed CHUNK rows at a time, with
two more queries per chunk for their public messages and their reopen counts; sla.metrics computes
every measure on DataFrames. Per-ticket exports stream chunk by chunk, in memory that does not grow
with the range; grouped reports and the dashboard fold the chunks into sla.aggregates.Aggregates, which
keeps 52 bytes or so per ticket rather than every ticket's facts. The backlog columns come from one
more query: every ticket open at the end of the range, whatever its creation date.

The modules, each importing only those before it: params (what a report is asked for), queries
(its SQL and how the rows are read), facts (the rows as DataFrames and their measures), words (the
values of an export in a language), files (CSV and XLSX) and dashboard. What the rest of the portal uses is here."""
from .dashboard import DASHBOARD_BYS, Dashboard, dashboard
from .files import grouped, sla_csv, sla_xlsx, write_report
from .params import (
    ABOUT_LABELS,
    BYS,
    COLUMN_LABELS,
    GROUPED,
    HEADER_LANGUAGES,
    MAX_DAYS,
    XLSX_MIMETYPE,
    check_by,
    check_days,
    check_header_language,
    department_codes,
    departments_by_code,
    header_labels,
    local_range,
    parse_day,
    parse_range,
)

__all__ = ["ABOUT_LABELS", "BYS", "COLUMN_LABELS", "DASHBOARD_BYS", "GROUPED", "HEADER_LANGUAGES", "MAX_DAYS",
           "XLSX_MIMETYPE", "Dashboard", "check_by", "check_days", "check_header_language", "dashboard",
           "department_codes", "departments_by_code", "grouped", "header_labels", "local_range", "parse_day",
           "parse_range", "sla_csv", "sla_xlsx", "write_report"]
