"""Spreadsheet exports never carry a live formula, whoever typed the text."""

from io import BytesIO

import openpyxl
import pytest

from crm.exports import csv_response, inert, xlsx_response


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://x.example","click")', '\'=HYPERLINK("http://x.example","click")'),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("+995 431 24 56 78", "+995 431 24 56 78"),
        ("-12.50", "-12.50"),
        ("ქუთაისი", "ქუთაისი"),
        (12, 12),
    ],
)
def test_text_that_would_run_as_a_formula_is_written_as_text(value, written):
    assert inert(value) == written


def test_csv_and_xlsx_both_neutralise_formulas():
    rows = [["name"], ["=1+1"]]
    csv_text = b"".join(csv_response(rows, "x.csv").streaming_content).decode("utf-8-sig")
    assert "'=1+1" in csv_text
    sheet = openpyxl.load_workbook(BytesIO(xlsx_response(rows, "x.xlsx", sheet_title="x").content)).active
    assert sheet["A2"].value == "'=1+1" and sheet["A2"].data_type == "s"
