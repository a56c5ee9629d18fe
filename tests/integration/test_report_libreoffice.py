"""The SLA CSV opens in LibreOffice with Vietnamese intact.

LibreOffice's import dialog pre-selects UTF-8 when a file starts with a BOM; headless conversion
has no dialog, so the test passes that same choice as the import filter (comma separated, double
quotes, charset 76 = UTF-8) and checks that the BOM does not leak into the first column name."""
import datetime as dt
import shutil
import subprocess

import openpyxl
import pytest

from portal.services import reports
from portal.services.runtime import runtime
from tests import factories

SOFFICE = shutil.which("soffice")


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed: apt-get install libreoffice-calc-nogui")
def test_libreoffice_reads_vietnamese_from_the_csv(app, demo, now, tmp_path):
    ticket = factories.ticket(now, seller="DEMO-002", category="finance", description="Chưa nhận tiền đối soát COD",
                              tracking=())  # DEMO-002: Cửa hàng Bình An
    today = now.astimezone(runtime().timezone).date()
    csv_path = tmp_path / "sla.csv"
    with csv_path.open("w", encoding="utf-8", newline="") as f:
        for chunk in reports.sla_csv(today - dt.timedelta(days=1), today, "ticket", now=now,
                                     timezone=runtime().timezone):
            f.write(chunk)
    subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo-profile",
                    "--infilter=CSV:44,34,76,1", "--convert-to", "xlsx", "--outdir", str(tmp_path), str(csv_path)],
                   check=True, capture_output=True, timeout=120)
    sheet = openpyxl.load_workbook(tmp_path / "sla.xlsx").active
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    assert header[0] == "reference"  # the BOM is not read as part of the first column's name
    row = dict(zip(header, rows[1], strict=False))
    assert row["reference"] == ticket.reference
    assert row["seller_name"] == "Cửa hàng Bình An"
