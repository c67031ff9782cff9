"""What a spreadsheet reads as the start of a formula, for every file the product writes.

Text that starts with one of these (= + - − @, a tab or a carriage return) could run as a formula
when the file is opened: CSV and Excel outputs neutralise it (``kpi.reports.safety``), and the
import template marks such cells with Excel's quote prefix (``kpi.imports.template``).
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "\u2212", "@", "\t", "\r")
