"""The sentences of an import's errors: each stored error is a code and its parameters (RowError,
FileProblem), turned into a sentence in the active language when it is shown."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MESSAGES = {
    "empty_file": gettext_lazy("The file is empty."),
    "too_large": gettext_lazy("The file is larger than %(max)s MB."),
    "not_spreadsheet": gettext_lazy("This is not an XLSX or CSV file (its content is %(type)s)."),
    "legacy_xls": gettext_lazy(
        "This is an old Excel 97–2003 (.xls) file: open it in Excel and save it as .xlsx."
    ),
    "ods": gettext_lazy("This is an OpenDocument spreadsheet: save it as .xlsx or as CSV."),
    "bad_xlsx": gettext_lazy("The XLSX file is damaged or cannot be read."),
    "bad_encoding": gettext_lazy(
        'The text encoding of the CSV file is not recognised: save it as "CSV UTF-8".'
    ),
    "bad_csv": gettext_lazy("The CSV file cannot be read: %(detail)s"),
    "no_rows": gettext_lazy("The file has a header row but no data rows."),
    "missing_columns": gettext_lazy("Missing columns: %(columns)s."),
    "unknown_columns": gettext_lazy(
        "Unknown columns: %(columns)s. The columns of this layout are: %(expected)s."
    ),
    "duplicate_columns": gettext_lazy("Columns given twice: %(columns)s."),
    "unnamed_columns": gettext_lazy("Columns %(columns)s hold values but have no header."),
    "required": gettext_lazy("This cell must be filled in."),
    "too_long": gettext_lazy("Too long: at most %(max)s characters."),
    "tax_code": gettext_lazy("Not a valid tax code: 10 digits, or 13 for a branch (e.g. 0100109106-001)."),
    "tax_code_check_digit": gettext_lazy("The check digit of this tax code is wrong: check the last digit."),
    "personal_id": gettext_lazy("Not a valid 12-digit personal identification number."),
    "personal_id_not_household": gettext_lazy(
        "A 12-digit personal identification number is accepted only for a household business."
    ),
    "gtin_length": gettext_lazy("A GTIN has 8, 12, 13 or 14 digits."),
    "gtin_check_digit": gettext_lazy("The check digit of this GTIN is wrong."),
    "commune_code": gettext_lazy("A commune code has 5 digits."),
    "unknown_commune": gettext_lazy("No commune has this code."),
    "commune_name_mismatch": gettext_lazy("Commune code %(commune)s is %(name)s, not this commune."),
    "outside_province": gettext_lazy("This commune is in %(province)s, outside your province."),
    "date": gettext_lazy("Not a date: write it as dd/mm/yyyy."),
    "date_future": gettext_lazy("This date is in the future."),
    "integer": gettext_lazy("Not a whole number."),
    "range": gettext_lazy("Must be between %(min)s and %(max)s."),
    "negative": gettext_lazy("Must not be negative."),
    "at_least": gettext_lazy("Must be at least %(min)s."),
    "choice": gettext_lazy("Not an allowed value. Allowed: %(allowed)s."),
    "email": gettext_lazy("Not a valid e-mail address."),
    "url": gettext_lazy("Not a valid web address."),
    "product_set": gettext_lazy("Unknown product set: use a code of Annex I, such as I.3.a."),
    "product_set_required": gettext_lazy("Give the product set or the scoring-sheet number."),
    "sheet_mismatch": gettext_lazy("This sheet number is not the sheet of product set %(product_set)s."),
    "rating_incomplete": gettext_lazy(
        "A star rating needs the stars, the decision number and the decision date together."
    ),
    "staff_exceeds_total": gettext_lazy("More than the total number of workers (%(total)s)."),
    "duplicate_in_file": gettext_lazy("The same record is already in row %(first_row)s of this file."),
    "tax_code_taken": gettext_lazy(
        "This tax code belongs to a producer outside your province, which you may not update."
    ),
    "unknown_producer": gettext_lazy("No producer has this tax code: import the producer first."),
    "producer_outside_province": gettext_lazy("This producer is outside your province."),
    "gtin_taken": gettext_lazy("This GTIN is already used by another producer's product."),
    "ambiguous_name": gettext_lazy(
        "This producer has several products with this name: give the GTIN to say which one."
    ),
    "decision_conflict": gettext_lazy(
        "This decision is already recorded for this product with %(stars)s stars."
    ),
    "changed_since_check": gettext_lazy("The registry changed since the check: %(detail)s"),
}


def describe(error: dict[str, Any]) -> str:
    """The sentence for a stored error, in the active language."""
    template = MESSAGES.get(error.get("code", ""))
    if template is None:
        return error.get("code", "")
    params = {}
    for key, value in (error.get("params") or {}).items():
        params[key] = ", ".join(str(v) for v in value) if isinstance(value, list | tuple) else value
    if error.get("code") == "range" and params.get("max") is None:
        return _("Must be at least %(min)s.") % params
    try:
        return str(template) % params if params else str(template)
    except (KeyError, TypeError, ValueError):
        return str(template)
