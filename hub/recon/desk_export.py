"""The break queue as a file: CSV for tools, Excel (openpyxl) for people.

Both carry the same columns (:data:`COLUMNS`), the rows of the filtered queue, oldest
first. Amounts go into Excel as numbers with a two-decimal format (Decimal converts
exactly to the cell's value type only through its string form, so they are written as
``Decimal`` and openpyxl stores the decimal text), dates as dates.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import Font

from hub.recon.desk import QueueRow

COLUMNS = (
    ("break_id", "id"),
    ("opened_on", "opened_on"),
    ("age_days", "age"),
    ("bucket", "bucket"),
    ("side", "side"),
    ("reason", "reason"),
    ("direction", "direction"),
    ("amount", "amount"),
    ("account", "account"),
    ("source", "source"),
    ("partner", "partner"),
    ("reference", "reference"),
    ("item_date", "item_date"),
    ("status", "status"),
    ("assigned_to", "assigned_to"),
    ("root_cause", "root_cause"),
    ("pending_approval", "pending_approval"),
    ("detail", "detail"),
)


def _values(row: QueueRow) -> list:
    return [getattr(row, attr) for _, attr in COLUMNS]


def queue_csv(rows: Sequence[QueueRow]) -> bytes:
    """Return the rows as UTF-8 CSV with a header line."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([name for name, _ in COLUMNS])
    for row in rows:
        writer.writerow(["" if v is None else v for v in _values(row)])
    return buffer.getvalue().encode("utf-8")


def queue_xlsx(rows: Sequence[QueueRow], title: str = "Breaks") -> bytes:
    """Return the rows as an .xlsx workbook (one sheet, bold header, frozen first row)."""
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append([name for name, _ in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    amount_col = [name for name, _ in COLUMNS].index("amount") + 1
    for row in rows:
        sheet.append(_values(row))
        sheet.cell(row=sheet.max_row, column=amount_col).number_format = "#,##0.00"
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
