"""Data intake: every preset on lines shaped like the real file, each encoding, every validation message.

Expected values are worked out by hand in the comments; the fixtures in tests/fixtures/io are small
enough to check by eye.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segkit import InputError
from segkit.core import files as core_files
from segkit.core import schema
from segkit.intake import customers as intake_customers
from segkit.intake import files, parsing, presets, transactions

FIXTURES = Path(__file__).parent / "fixtures" / "io"
CDNOW_SAMPLE = Path(__file__).resolve().parents[2] / "shared" / "data" / "cdnow" / "CDNOW_sample.txt"
HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"


@pytest.fixture(params=["openpyxl", "calamine"])
def excel_engine(request, monkeypatch):
    """Run a workbook test with each reader; calamine is optional (faster on big workbooks)."""
    if request.param == "calamine":
        pytest.importorskip("python_calamine", reason="python-calamine not installed; openpyxl is used")
    monkeypatch.setattr(files, "EXCEL_ENGINE", request.param)
    return request.param


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", newline="")
    return path


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


def assert_canonical_dtypes(frame: pd.DataFrame) -> None:
    assert tuple(frame.columns[:7]) == schema.TRANSACTION_COLUMNS
    for column in (schema.CUSTOMER_ID, schema.ORDER_ID, schema.PRODUCT_ID):
        assert frame[column].dtype == "str", column
    assert frame[schema.ORDER_DATE].dtype == "datetime64[us]"
    for column in (schema.QUANTITY, schema.UNIT_PRICE, schema.AMOUNT):
        assert frame[column].dtype == "float64", column


# ----------------------------------------------------------------------------------- encodings


@pytest.mark.parametrize(
    ("name", "encoding"), [("zh_utf8.csv", "utf-8"), ("zh_utf8_bom.csv", "utf-8-sig"), ("zh_gb18030.csv", "gb18030")]
)
def test_each_encoding_is_detected_and_reads_the_same_table(name, encoding):
    path = FIXTURES / name
    assert files.detect_encoding(path) == encoding
    frame = transactions.load_transactions(path, mapping=FIXTURES / "zh_mapping.yaml")
    assert_canonical_dtypes(frame)
    assert list(frame.columns) == [*schema.TRANSACTION_COLUMNS, "region"]
    # the BOM must not stick to the first header ('\ufeff会员编号' would be "missing")
    assert frame[schema.CUSTOMER_ID].tolist()[:2] == ["C001", "C001"]
    assert pd.isna(frame[schema.CUSTOMER_ID].iloc[2])  # empty cell → NA, not 'nan'
    assert frame["region"].tolist() == ["广东", "广东", "浙江", "北京"]
    assert frame[schema.ORDER_DATE].tolist() == [
        ts("2024-01-05 13:05"),
        ts("2024-02-10 09:00"),
        ts("2024-02-11 10:30"),
        ts("2024-03-01 18:45"),
    ]
    # amount = quantity * unit_price: 2*39.9 = 79.8, 1*120 = 120, 3*39.9 = 119.7, -1*15.5 = -15.5
    assert frame[schema.AMOUNT].tolist() == pytest.approx([79.8, 120.0, 119.7, -15.5])


def test_explicit_encoding_wins_over_detection():
    with pytest.raises(InputError, match=r"^zh_gb18030\.csv: the file cannot be read as utf-8 text$"):
        files.read_table(FIXTURES / "zh_gb18030.csv", encoding="utf-8")
    # read as GBK (a subset of GB18030 covering these characters) it is fine
    frame = files.read_table(FIXTURES / "zh_gb18030.csv", encoding="gbk")
    assert frame.columns[0] == "会员编号"


def test_text_that_is_neither_utf8_nor_gb18030_asks_for_an_encoding(tmp_path):
    path = tmp_path / "odd.csv"
    path.write_bytes(b"a,b\n\xff\xff,1\n")  # 0xFF starts no UTF-8 or GB18030 sequence
    with pytest.raises(InputError, match=r"odd\.csv: the file is neither UTF-8 nor GB18030 text; pass the encoding"):
        files.read_table(path)
    assert files.read_table(path, encoding="latin-1")["a"].tolist() == ["ÿÿ"]


def test_latin1_text_that_also_decodes_as_gb18030_is_not_misread_as_chinese():
    # "CRÈME BRÛLÉE" in Latin-1 is valid GB18030 too ("CR萂E BR跮蒃"): every accented byte is
    # followed by an ASCII letter, a valid GBK trail byte. The stray characters lie outside the
    # GB2312 area of common Chinese, so the GB18030 reading is refused instead of used silently.
    path = FIXTURES / "online_retail_ii_latin1.csv"
    assert "萂" in path.read_bytes().decode("gb18030")
    with pytest.raises(InputError, match=r"online_retail_ii_latin1\.csv: the file is neither UTF-8 nor GB18030"):
        files.detect_encoding(path)
    assert files.detect_encoding(path, fallback="latin-1") == "latin-1"
    assert files.detect_encoding(FIXTURES / "zh_gb18030.csv", fallback="latin-1") == "gb18030"


def test_online_retail_ii_latin1_csv_with_us_dates_needs_no_encoding():
    # the CSV copies of the UCI files in circulation are ISO-8859-1 with month-first dates
    frame = transactions.load_transactions(FIXTURES / "online_retail_ii_latin1.csv", preset="online_retail_ii")
    assert frame["description"].iloc[0] == "CRÈME BRÛLÉE RAMEKIN"
    assert frame[schema.ORDER_DATE].tolist() == [ts("2009-12-01 07:45"), ts("2009-12-01 10:33"), ts("2009-12-11 09:06")]
    assert frame[schema.CUSTOMER_ID].tolist()[:2] == ["13085", "16321"] and pd.isna(frame[schema.CUSTOMER_ID].iloc[2])
    # an explicit encoding still wins, and a mapping (no preset) still asks for one
    assert (
        transactions.load_transactions(FIXTURES / "online_retail_ii_latin1.csv", preset="online_retail_ii", encoding="cp1252")[
            "description"
        ].iloc[0]
        == "CRÈME BRÛLÉE RAMEKIN"
    )
    mapping = {
        "customer_id": "Customer ID",
        "order_date": "InvoiceDate",
        "quantity": "Quantity",
        "unit_price": "Price",
        "date_format": "%m/%d/%Y %H:%M",
    }
    with pytest.raises(InputError, match="pass the encoding explicitly"):
        transactions.load_transactions(FIXTURES / "online_retail_ii_latin1.csv", mapping=mapping)


def test_gzip_compressed_csv(tmp_path):
    for name in ("online_retail_ii_latin1.csv", "zh_gb18030.csv"):
        (tmp_path / f"{name}.gz").write_bytes(gzip.compress((FIXTURES / name).read_bytes()))
    plain = transactions.load_transactions(FIXTURES / "online_retail_ii_latin1.csv", preset="online_retail_ii")
    packed = transactions.load_transactions(tmp_path / "online_retail_ii_latin1.csv.gz", preset="online_retail_ii")
    pd.testing.assert_frame_equal(packed, plain)
    assert files.detect_encoding(tmp_path / "zh_gb18030.csv.gz") == "gb18030"
    zh = transactions.load_transactions(tmp_path / "zh_gb18030.csv.gz", mapping=FIXTURES / "zh_mapping.yaml")
    assert zh["region"].tolist() == ["广东", "广东", "浙江", "北京"]


def test_gzip_problems(tmp_path):
    (tmp_path / "orders.csv.gz").write_bytes(b"a,b\n1,2\n")  # not gzip data
    with pytest.raises(InputError, match=r"^orders\.csv\.gz: "):
        files.read_table(tmp_path / "orders.csv.gz")
    (tmp_path / "book.xlsx.gz").write_bytes(gzip.compress(b"x"))
    with pytest.raises(InputError, match=r"^book\.xlsx\.gz: only compressed text files .* decompress the file first"):
        files.read_table(tmp_path / "book.xlsx.gz")


def test_semicolon_separated_text_is_recognised(tmp_path):
    path = write(tmp_path, "semi.csv", "a;b\n1;x\n")
    assert files.read_table(path).to_dict("list") == {"a": ["1"], "b": ["x"]}


def test_quoted_line_breaks_fall_back_to_the_c_reader(tmp_path):
    path = write(tmp_path, "quoted.csv", 'a,b\n1,"two\nlines"\n2,x\n')
    assert files.read_table(path)["b"].tolist() == ["two\nlines", "x"]


# ------------------------------------------------------------------------------------ presets


def test_online_retail_csv_lines_as_the_real_file_writes_them():
    frame = transactions.load_transactions(FIXTURES / "online_retail.csv", preset="online_retail")
    assert_canonical_dtypes(frame)
    assert list(frame.columns) == [*schema.TRANSACTION_COLUMNS, "description", "country"]
    # 17850.0 → '17850'; blank CustomerID → NA
    assert frame[schema.CUSTOMER_ID].tolist()[:3] == ["17850", "17850", "12583"]
    assert frame[schema.CUSTOMER_ID].isna().tolist() == [False, False, False, True, False, True]
    assert frame[schema.ORDER_ID].tolist() == ["536365", "536365", "536370", "536414", "C536379", "536544"]
    assert frame[schema.PRODUCT_ID].tolist() == ["85123A", "71053", "POST", "22139", "D", "21773"]
    # month first: 12/1/2010 8:26 is 1 December 2010, 08:26
    assert frame[schema.ORDER_DATE].iloc[0] == ts("2010-12-01 08:26")
    assert frame[schema.ORDER_DATE].iloc[5] == ts("2010-12-01 14:32")
    # 6*2.55 = 15.30, 6*3.39 = 20.34, 3*18 = 54, 56*0 = 0, -1*27.5 = -27.5, 1*2.51 = 2.51
    assert frame[schema.AMOUNT].tolist() == pytest.approx([15.30, 20.34, 54.0, 0.0, -27.5, 2.51])
    assert pd.isna(frame["description"].iloc[3])
    assert frame["country"].iloc[2] == "France"


def test_online_retail_xlsx_with_excel_types(tmp_path, excel_engine):
    """The UCI download is an .xlsx: numeric invoices mixed with 'C…' strings, real datetimes, float ids."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Online Retail"
    sheet.append(HEADER.strip().split(","))
    sheet.append(
        [
            536365,
            "85123A",
            "WHITE HANGING HEART T-LIGHT HOLDER",
            6,
            dt.datetime(2010, 12, 1, 8, 26),
            2.55,
            17850,
            "United Kingdom",
        ]
    )
    sheet.append([536365, 71053, "WHITE METAL LANTERN", 6, dt.datetime(2010, 12, 1, 8, 26), 3.39, 17850, "United Kingdom"])
    sheet.append(["C536379", "D", "Discount", -1, dt.datetime(2010, 12, 1, 9, 41), 27.5, 14527, "United Kingdom"])
    sheet.append([536414, 22139, None, 56, dt.datetime(2010, 12, 1, 11, 52), 0, None, "United Kingdom"])
    path = tmp_path / "Online Retail.xlsx"
    workbook.save(path)

    frame = transactions.load_transactions(path, preset="online_retail")
    assert_canonical_dtypes(frame)
    # the id column has a gap, so pandas reads it as float: 17850.0 → '17850'
    assert frame[schema.CUSTOMER_ID].tolist()[:3] == ["17850", "17850", "14527"]
    assert pd.isna(frame[schema.CUSTOMER_ID].iloc[3])
    assert frame[schema.ORDER_ID].tolist() == ["536365", "536365", "C536379", "536414"]
    assert frame[schema.PRODUCT_ID].tolist() == ["85123A", "71053", "D", "22139"]
    assert frame[schema.ORDER_DATE].tolist() == [
        ts("2010-12-01 08:26"),
        ts("2010-12-01 08:26"),
        ts("2010-12-01 09:41"),
        ts("2010-12-01 11:52"),
    ]
    # 6*2.55 = 15.3, 6*3.39 = 20.34, -1*27.5 = -27.5, 56*0 = 0
    assert frame[schema.AMOUNT].tolist() == pytest.approx([15.3, 20.34, -27.5, 0.0])


def test_online_retail_ii_csv():
    frame = transactions.load_transactions(FIXTURES / "online_retail_ii.csv", preset="online_retail_ii")
    assert_canonical_dtypes(frame)
    assert frame[schema.CUSTOMER_ID].tolist()[:3] == ["13085", "13085", "16321"]
    assert pd.isna(frame[schema.CUSTOMER_ID].iloc[3])
    assert frame[schema.ORDER_ID].tolist()[2] == "C489449"
    assert frame[schema.ORDER_DATE].iloc[2] == ts("2009-12-01 10:33")
    # 12*6.95 = 83.4, 12*6.75 = 81, -12*2.95 = -35.4, -96*0 = 0
    assert frame[schema.AMOUNT].tolist() == pytest.approx([83.4, 81.0, -35.4, 0.0])


def test_online_retail_ii_xlsx_stacks_both_yearly_sheets(tmp_path, excel_engine):
    header = ["Invoice", "StockCode", "Description", "Quantity", "InvoiceDate", "Price", "Customer ID", "Country"]
    workbook = openpyxl.Workbook()
    first = workbook.active
    first.title = "Year 2009-2010"
    first.append(header)
    first.append(
        [489434, 85048, "15CM CHRISTMAS GLASS BALL 20 LIGHTS", 12, dt.datetime(2009, 12, 1, 7, 45), 6.95, 13085, "United Kingdom"]
    )
    second = workbook.create_sheet("Year 2010-2011")
    second.append(header)
    second.append(["C536379", "D", "Discount", -1, dt.datetime(2010, 12, 1, 9, 41), 27.5, 14527, "United Kingdom"])
    second.append([536414, 22139, None, 56, dt.datetime(2010, 12, 1, 11, 52), 0, None, "United Kingdom"])
    path = tmp_path / "online_retail_II.xlsx"
    workbook.save(path)

    frame = transactions.load_transactions(path, preset="online_retail_ii")
    assert frame[schema.ORDER_ID].tolist() == ["489434", "C536379", "536414"]
    assert frame[schema.CUSTOMER_ID].tolist()[:2] == ["13085", "14527"]
    # one sheet on request
    only = transactions.load_transactions(path, preset="online_retail_ii", sheet="Year 2010-2011")
    assert only[schema.ORDER_ID].tolist() == ["C536379", "536414"]


def test_demo_preset():
    frame = transactions.load_transactions(FIXTURES / "demo.csv", preset="demo")
    assert list(frame.columns) == [*schema.TRANSACTION_COLUMNS, "description", "category"]
    assert frame[schema.ORDER_ID].tolist() == ["INV000001", "INV000001", "C-INV000001", "INV000002"]
    assert frame[schema.ORDER_DATE].iloc[3] == ts("2024-02-29 23:59:59")  # leap day
    # 2*4.5 = 9, 1*8 = 8, -1*8 = -8, 3*2.25 = 6.75
    assert frame[schema.AMOUNT].tolist() == pytest.approx([9.0, 8.0, -8.0, 6.75])
    assert pd.isna(frame[schema.CUSTOMER_ID].iloc[3])


@pytest.mark.parametrize("name", ["cdnow_master.txt", "cdnow_master_header.txt"])
def test_cdnow_master_with_and_without_header_line(name):
    frame = transactions.load_transactions(FIXTURES / name, preset="cdnow_master")
    assert_canonical_dtypes(frame)
    assert len(frame) == 5  # the header line, when present, is not a record
    assert frame[schema.CUSTOMER_ID].tolist() == ["00001", "00002", "00002", "00003", "00003"]  # padding kept
    # amount is given; unit_price = amount / quantity: 11.77/1, 12/1, 77/5 = 15.4, 20.76/2 = 10.38, 0/0 → NaN
    assert frame[schema.AMOUNT].tolist() == [11.77, 12.0, 77.0, 20.76, 0.0]
    assert frame[schema.UNIT_PRICE].iloc[:4].tolist() == pytest.approx([11.77, 12.0, 15.4, 10.38])
    assert np.isnan(frame[schema.UNIT_PRICE].iloc[4])
    # no order id in the file: one per line, '<customer>-<YYYYMMDD>-<data row>'
    assert frame[schema.ORDER_ID].tolist() == [
        "00001-19970101-1",
        "00002-19970112-2",
        "00002-19970112-3",
        "00003-19970102-4",
        "00003-19970330-5",
    ]
    assert frame[schema.PRODUCT_ID].isna().all()


def test_cdnow_sample_uses_the_master_id():
    frame = transactions.load_transactions(FIXTURES / "cdnow_sample.txt", preset="cdnow_sample")
    assert frame[schema.CUSTOMER_ID].tolist() == ["00004", "00004", "00021", "00050"]
    assert frame[schema.ORDER_DATE].tolist() == [ts("1997-01-01"), ts("1997-01-18"), ts("1997-01-01"), ts("1997-01-01")]
    # 29.33/2 = 14.665, 29.73/2 = 14.865, 63.34/3 = 21.1133, 11.77/1
    assert frame[schema.UNIT_PRICE].tolist() == pytest.approx([14.665, 14.865, 21.11333, 11.77], abs=1e-5)


def test_cdnow_sample_reference_file():
    if not CDNOW_SAMPLE.exists():
        pytest.skip(f"reference data not found at {CDNOW_SAMPLE} (../shared is not checked out)")
    frame = transactions.load_transactions(CDNOW_SAMPLE, preset="cdnow_sample")
    # README: 6,919 records of 2,357 customers, first quarter 1997 to end of June 1998.
    assert len(frame) == 6919
    assert frame[schema.CUSTOMER_ID].nunique() == 2357
    assert frame[schema.ORDER_ID].is_unique
    assert frame[schema.ORDER_DATE].min() == ts("1997-01-01")
    assert frame[schema.ORDER_DATE].max() == ts("1998-06-30")
    # totals by awk on the raw file: awk '{s+=$5; c+=$4} END {print s, c}' → 244091.94, 16479
    assert frame[schema.AMOUNT].sum() == pytest.approx(244091.94, abs=0.005)
    assert frame[schema.QUANTITY].sum() == 16479


def test_presets_name_every_required_column():
    for preset in presets.PRESETS.values():
        assert {schema.CUSTOMER_ID, schema.ORDER_DATE, schema.QUANTITY} <= set(preset.columns), preset.name
        assert schema.UNIT_PRICE in preset.columns or schema.AMOUNT in preset.columns, preset.name


# ----------------------------------------------------------------------------- other formats


def test_parquet_with_typed_columns_and_a_mapping_dict(tmp_path):
    path = tmp_path / "orders.parquet"
    pd.DataFrame(
        {
            "cust": [101.0, np.nan, 7.0],
            "order": [1, 2, 3],
            "when": pd.to_datetime(["2024-05-01 10:00", "2024-05-02 00:00", "2024-05-03 00:00"]),
            "sku": ["A", "B", "A"],
            "qty": [2, 1, 4],
            "price": [1.25, 3.0, 0.5],
        }
    ).to_parquet(path)
    mapping = {
        "customer_id": "cust",
        "order_id": "order",
        "order_date": "when",
        "product_id": "sku",
        "quantity": "qty",
        "unit_price": "price",
    }
    frame = transactions.load_transactions(path, mapping=mapping)
    assert_canonical_dtypes(frame)
    assert frame[schema.CUSTOMER_ID].tolist()[::2] == ["101", "7"]
    assert pd.isna(frame[schema.CUSTOMER_ID].iloc[1])
    assert frame[schema.ORDER_ID].tolist() == ["1", "2", "3"]
    assert frame[schema.ORDER_DATE].iloc[1] == ts("2024-05-02")
    assert frame[schema.AMOUNT].tolist() == [2.5, 3.0, 2.0]  # 2*1.25, 1*3, 4*0.5


def test_mapping_with_amount_and_no_order_id_or_product(tmp_path):
    path = write(tmp_path, "shop.csv", "member,day,n,paid\nM1,2024/3/5,2,10\nM1,2024/3/5,0,0\n")
    frame = transactions.load_transactions(
        path, mapping={"customer_id": "member", "order_date": "day", "quantity": "n", "amount": "paid"}
    )
    # year-first '2024/3/5' is read without a date_format; 10/2 = 5; 0 CDs → unit price NaN
    assert frame[schema.ORDER_DATE].tolist() == [ts("2024-03-05"), ts("2024-03-05")]
    assert frame[schema.UNIT_PRICE].iloc[0] == 5.0 and np.isnan(frame[schema.UNIT_PRICE].iloc[1])
    assert frame[schema.ORDER_ID].tolist() == ["M1-20240305-1", "M1-20240305-2"]


def test_date_format_argument_reads_day_first_dates(tmp_path):
    path = write(tmp_path, "eu.csv", "c,o,d,p,q,u\nA,1,03/04/2024,x,1,1\n")
    mapping = {"customer_id": "c", "order_id": "o", "order_date": "d", "product_id": "p", "quantity": "q", "unit_price": "u"}
    with pytest.raises(InputError, match=r"column 'd': 1 of 1 values are not dates \(row 1: '03/04/2024'\)"):
        transactions.load_transactions(path, mapping=mapping)  # ambiguous: never guessed
    frame = transactions.load_transactions(path, mapping=mapping, date_format="%d/%m/%Y")
    assert frame[schema.ORDER_DATE].iloc[0] == ts("2024-04-03")  # 3 April


def test_column_names_match_ignoring_case_and_blanks(tmp_path):
    path = write(tmp_path, "loose.csv", HEADER.replace("CustomerID", "Customer ID").lower() + "1,A,x,1,12/1/2010 8:26,2,5.0,UK\n")
    frame = transactions.load_transactions(path, preset="online_retail")
    assert frame[schema.CUSTOMER_ID].tolist() == ["5"]


def test_trailing_empty_lines_of_spreadsheet_exports_are_skipped(tmp_path):
    path = write(tmp_path, "t.csv", HEADER + "1,A,x,2,12/1/2010 8:26,2,5,UK\n,,,,,,,\n,,,,,,,\n")
    assert len(transactions.load_transactions(path, preset="online_retail")) == 1


def test_loading_never_modifies_the_raw_file():
    path = FIXTURES / "online_retail.csv"
    before = core_files.file_sha256(path)
    transactions.load_transactions(path, preset="online_retail")
    assert core_files.file_sha256(path) == before


# ------------------------------------------------------------------------- validation messages


def test_missing_file():
    with pytest.raises(InputError, match=r"^nope\.csv: file not found \("):
        transactions.load_transactions("nope.csv", preset="demo")


def test_a_folder_is_not_a_file(tmp_path):
    folder = tmp_path / "demo"
    folder.mkdir()
    with pytest.raises(InputError, match=r"^demo: not a file \("):
        files.read_table(folder)


def test_unknown_extension(tmp_path):
    path = write(tmp_path, "orders.json", "{}")
    with pytest.raises(InputError, match=r"^orders\.json: unknown file type '\.json'; segkit reads"):
        files.read_table(path)


def test_old_excel_format(tmp_path):
    path = write(tmp_path, "orders.xls", "x")
    with pytest.raises(InputError, match=r"^orders\.xls: old Excel \.xls files are not read; save the sheet as \.xlsx"):
        files.read_table(path)


@pytest.mark.parametrize("content", ["", "\n\n  \n"])
def test_empty_file(tmp_path, content):
    path = write(tmp_path, "transactions.csv", content)
    with pytest.raises(InputError, match=r"^transactions\.csv: the file is empty$"):
        transactions.load_transactions(path, preset="online_retail")


def test_header_without_rows(tmp_path):
    path = write(tmp_path, "transactions.csv", HEADER)
    with pytest.raises(InputError, match=r"^transactions\.csv: the file has a header but no data rows$"):
        transactions.load_transactions(path, preset="online_retail")


def test_missing_columns_lists_them_and_the_available_ones_and_suggests_a_preset():
    with pytest.raises(InputError) as info:
        transactions.load_transactions(FIXTURES / "online_retail_ii.csv", preset="online_retail")
    assert str(info.value) == (
        # 'CustomerID' is found as 'Customer ID' (case, blanks and underscores are ignored)
        "online_retail_ii.csv: missing required column(s) 'InvoiceNo', 'UnitPrice' "
        "(preset 'online_retail'); the file has 'Invoice', 'StockCode', 'Description', 'Quantity', "
        "'InvoiceDate', 'Price', 'Customer ID', 'Country'; these columns fit preset 'online_retail_ii'"
    )


def test_values_that_are_not_numbers(tmp_path):
    rows = [f"{i},A,x,1,12/1/2010 8:26,2,5,UK\n" for i in range(1, 121)]
    rows[4] = "5,A,x,abc,12/1/2010 8:26,2,5,UK\n"
    rows[8] = '9,A,x,"1,2",12/1/2010 8:26,2,5,UK\n'
    path = write(tmp_path, "transactions.csv", HEADER + "".join(rows))
    with pytest.raises(InputError) as info:
        transactions.load_transactions(path, preset="online_retail")
    assert str(info.value) == (
        "transactions.csv: column 'Quantity': 2 of 120 values are not numbers (row 5: 'abc', row 9: '1,2')"
    )


def test_values_that_are_not_dates_show_three_rows_then_dots(tmp_path):
    rows = [f"{i},A,x,1,12/1/2010 8:26,2,5,UK\n" for i in range(1, 121)]
    for row, value in [(17, "31/02/2011"), (40, "n/a"), (88, ""), (100, "2011-13-01")]:
        rows[row - 1] = f"{row},A,x,1,{value},2,5,UK\n"
    path = write(tmp_path, "transactions.csv", HEADER + "".join(rows))
    with pytest.raises(InputError) as info:
        transactions.load_transactions(path, preset="online_retail")
    assert str(info.value).startswith(
        "transactions.csv: column 'InvoiceDate': 4 of 120 values are not dates "
        "(row 17: '31/02/2011', row 40: 'n/a', row 88: '', ...); expected '%m/%d/%Y %H:%M'"
    )


def test_every_bad_column_is_reported_at_once(tmp_path):
    path = write(tmp_path, "transactions.csv", HEADER + "1,A,x,many,yesterday,free,5,UK\n2,A,x,1,12/1/2010 8:26,2,5,UK\n")
    with pytest.raises(InputError) as info:
        transactions.load_transactions(path, preset="online_retail")
    lines = str(info.value).splitlines()
    assert [line.split(" values")[0] for line in lines] == [
        "transactions.csv: column 'InvoiceDate': 1 of 2",
        "transactions.csv: column 'Quantity': 1 of 2",
        "transactions.csv: column 'UnitPrice': 1 of 2",
    ]


def test_empty_order_ids(tmp_path):
    path = write(tmp_path, "transactions.csv", HEADER + "1,A,x,1,12/1/2010 8:26,2,5,UK\n,A,x,1,12/1/2010 8:26,2,5,UK\n")
    with pytest.raises(InputError, match=r"^transactions\.csv: column 'InvoiceNo': 1 of 2 values are empty \(row 2: ''\)$"):
        transactions.load_transactions(path, preset="online_retail")


def test_no_usable_rows_when_no_line_names_a_customer(tmp_path):
    path = write(tmp_path, "transactions.csv", HEADER + "1,A,x,1,12/1/2010 8:26,2,,UK\n2,A,x,1,12/1/2010 8:26,2,nan,UK\n")
    with pytest.raises(
        InputError, match=r"^transactions\.csv: no usable rows: all 2 rows lack a customer id \(column 'CustomerID'\)$"
    ):
        transactions.load_transactions(path, preset="online_retail")


def test_preset_and_mapping_are_exclusive():
    with pytest.raises(InputError, match=r"^give exactly one of preset= or mapping= \(presets: cdnow_master, "):
        transactions.load_transactions(FIXTURES / "demo.csv")
    with pytest.raises(InputError, match="give exactly one"):
        transactions.load_transactions(FIXTURES / "demo.csv", preset="demo", mapping=FIXTURES / "zh_mapping.yaml")


def test_unknown_preset_lists_the_valid_ones():
    with pytest.raises(InputError) as info:
        transactions.load_transactions(FIXTURES / "demo.csv", preset="online-retail")
    assert str(info.value) == (
        "unknown preset 'online-retail'; valid presets: cdnow_master, cdnow_sample, demo, online_retail, online_retail_ii"
    )


def test_whitespace_file_with_the_wrong_number_of_columns():
    with pytest.raises(InputError) as info:
        transactions.load_transactions(FIXTURES / "cdnow_master.txt", preset="cdnow_sample")
    assert str(info.value) == (
        "cdnow_master.txt: expected 5 whitespace-separated columns "
        "(master_id, sample_id, date, number_of_cds, dollar_value) for preset 'cdnow_sample', found 4"
    )


def test_ragged_csv_names_the_line(tmp_path):
    path = write(tmp_path, "ragged.csv", "a,b\n1,2\n3,4,5\n")
    with pytest.raises(InputError, match=r"^ragged\.csv: cannot be read as a table: Expected 2 fields in line 3, saw 3"):
        files.read_table(path)


def test_damaged_workbook_and_parquet(tmp_path, excel_engine):
    xlsx = write(tmp_path, "orders.xlsx", "not a zip")
    with pytest.raises(InputError, match=r"^orders\.xlsx: cannot be read as an Excel workbook"):
        files.read_table(xlsx)
    parquet = write(tmp_path, "orders.parquet", "not parquet")
    with pytest.raises(InputError, match=r"^orders\.parquet: cannot be read as a Parquet file"):
        files.read_table(parquet)


def test_missing_sheet_lists_the_sheets(tmp_path, excel_engine):
    workbook = openpyxl.Workbook()
    workbook.active.title = "2024"
    workbook.active.append(["a"])
    path = tmp_path / "book.xlsx"
    workbook.save(path)
    with pytest.raises(InputError, match=r"^book\.xlsx: no sheet 'Sales' \(sheets: '2024'\)$"):
        files.read_table(path, sheet="Sales")


def test_mapping_file_problems(tmp_path):
    unknown = write(tmp_path, "m1.yaml", "customer_id: a\ncustomer: b\norder_date: c\nquantity: d\nunit_price: e\n")
    with pytest.raises(InputError, match=r"^m1\.yaml: unknown key\(s\) 'customer'; allowed keys: customer_id, order_id"):
        presets.read_mapping(unknown)
    missing = write(tmp_path, "m2.yaml", "customer_id: a\norder_date: c\n")
    with pytest.raises(InputError, match=r"^m2\.yaml: the mapping must name a source column for quantity, unit_price or amount$"):
        presets.read_mapping(missing)
    broken = write(tmp_path, "m3.yaml", "customer_id: [a\n")
    with pytest.raises(InputError, match=r"^m3\.yaml: not valid YAML"):
        presets.read_mapping(broken)
    with pytest.raises(InputError, match=r"^column mapping: expected 'canonical name: source column' lines"):
        transactions.load_transactions(FIXTURES / "demo.csv", mapping={})


def test_read_mapping_returns_settings_too():
    mapping = presets.read_mapping(FIXTURES / "zh_mapping.yaml")
    assert mapping["customer_id"] == "会员编号"
    assert mapping["date_format"] == "%Y/%m/%d %H:%M"


def test_mapping_encoding_setting_is_used(tmp_path):
    mapping = dict(presets.read_mapping(FIXTURES / "zh_mapping.yaml"), encoding="utf-8")
    with pytest.raises(InputError, match="cannot be read as utf-8 text"):
        transactions.load_transactions(FIXTURES / "zh_gb18030.csv", mapping=mapping)


# ------------------------------------------------------------------------- customers, tables


def test_load_customers(tmp_path):
    path = write(
        tmp_path,
        "customers.csv",
        "customer_id,customer_type,province,signup_date,name\n"
        "CU00001,individual,广东,2024-01-05,张三\n"
        " CU00002 ,enterprise,,2023-12-31,\n"
        "CU00003,individual,北京,,李四\n",
    )
    frame = intake_customers.load_customers(path)
    assert frame[schema.CUSTOMER_ID].tolist() == ["CU00001", "CU00002", "CU00003"]
    assert frame["signup_date"].dtype == "datetime64[us]"
    assert frame["signup_date"].iloc[1] == ts("2023-12-31") and pd.isna(frame["signup_date"].iloc[2])
    assert pd.isna(frame["province"].iloc[1])


def test_load_customers_problems(tmp_path):
    repeated = write(tmp_path, "customers.csv", "customer_id,city\nA,x\nB,y\nA,z\n")
    with pytest.raises(
        InputError, match=r"^customers\.csv: column 'customer_id': 2 of 3 values are repeated ids .*\(row 1: 'A', row 3: 'A'\)$"
    ):
        intake_customers.load_customers(repeated)
    no_id = write(tmp_path, "people.csv", "id,city\nA,x\n")
    with pytest.raises(
        InputError,
        match=r"^people\.csv: no customer id column; the file has 'id', 'city'\. Name it in the mapping \(customer_id: <column>\)",
    ):
        intake_customers.load_customers(no_id)
    assert intake_customers.load_customers(no_id, id_column="id")[schema.CUSTOMER_ID].tolist() == ["A"]


def test_load_table_keeps_values_raw(tmp_path):
    path = write(tmp_path, "survey.csv", "respondent,nps,comment\nR1,9,n/a\nR2,,\n")
    frame = files.load_table(path)
    assert frame["respondent"].tolist() == ["R1", "R2"]
    assert frame["comment"].iloc[0] == "n/a"  # not turned into a missing value
    assert parsing.parse_numbers(frame["nps"], source="survey.csv", column="nps", allow_missing=True).iloc[0] == 9.0


def test_parse_ids():
    values = pd.Series([17850.0, np.nan, " 00004 ", "C536379", "nan", "12.5"], dtype=object)
    assert parsing.parse_ids(values).tolist()[2:4] == ["00004", "C536379"]
    out = parsing.parse_ids(values)
    assert out.dtype == "str"
    assert out.iloc[0] == "17850" and out.iloc[5] == "12.5"
    assert out.isna().tolist() == [False, True, False, False, True, False]


# -------------------------------------------------------------------------------- file helpers


def test_file_sha256_known_answer(tmp_path):
    path = tmp_path / "abc.txt"
    path.write_bytes(b"abc")
    # FIPS 180-2 test vector for "abc"
    assert core_files.file_sha256(path) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_write_parquet_atomic_round_trip_and_no_leftovers(tmp_path):
    frame = transactions.load_transactions(FIXTURES / "demo.csv", preset="demo")
    target = core_files.write_parquet_atomic(frame, tmp_path / "run-1" / "clean.parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(target), frame)
    assert [p.name for p in target.parent.iterdir()] == ["clean.parquet"]


def test_write_parquet_atomic_keeps_the_old_file_when_writing_fails(tmp_path):
    target = tmp_path / "clean.parquet"
    core_files.write_parquet_atomic(pd.DataFrame({"a": [1]}), target)
    before = hashlib.sha256(target.read_bytes()).hexdigest()
    with pytest.raises(Exception):  # noqa: B017 - any pyarrow error; the point is what is left behind
        core_files.write_parquet_atomic(pd.DataFrame({"a": [object()]}), target)
    assert hashlib.sha256(target.read_bytes()).hexdigest() == before
    assert [p.name for p in tmp_path.iterdir()] == ["clean.parquet"]


# ---------------------------------------------------------------------------------- properties

_ids = st.one_of(st.none(), st.integers(min_value=1, max_value=99999).map(lambda i: f"{i:05d}"))
_rows = st.lists(
    st.tuples(
        _ids,
        st.integers(min_value=1, max_value=999),
        st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2030, 12, 31)).map(
            lambda d: d.replace(microsecond=0)
        ),
        st.integers(min_value=-50, max_value=50),
        st.decimals(min_value=-1000, max_value=1000, places=2).map(float),
    ),
    min_size=1,
    max_size=30,
).filter(lambda rows: any(r[0] is not None for r in rows))


@settings(max_examples=40, deadline=None)
@given(rows=_rows)
def test_property_csv_round_trip(tmp_path_factory, rows):
    """Whatever valid lines are written in the demo layout come back value for value."""
    lines = [f"{order},P1,c,d,{qty},{price},{when:%Y-%m-%d %H:%M:%S},{cust or ''}\n" for cust, order, when, qty, price in rows]
    path = tmp_path_factory.mktemp("prop") / "t.csv"
    path.write_text("invoice_id,product_id,category,description,quantity,unit_price,invoice_date,customer_id\n" + "".join(lines))
    frame = transactions.load_transactions(path, preset="demo")
    assert frame[schema.CUSTOMER_ID].fillna("<missing>").tolist() == [c or "<missing>" for c, *_ in rows]
    assert frame[schema.ORDER_ID].tolist() == [str(o) for _, o, *_ in rows]
    assert frame[schema.ORDER_DATE].tolist() == [pd.Timestamp(r[2]) for r in rows]
    assert frame[schema.AMOUNT].tolist() == pytest.approx([q * p for _, _, _, q, p in rows])


def test_dates_with_one_utc_offset_keep_the_local_time_and_mixed_offsets_are_refused(tmp_path):
    mapping = {"customer_id": "c", "order_date": "d", "quantity": "q", "amount": "a"}
    same = write(tmp_path, "same.csv", "c,d,q,a\nA,2024-01-01T10:00:00+08:00,1,5\n")
    assert transactions.load_transactions(same, mapping=mapping)[schema.ORDER_DATE].iloc[0] == ts("2024-01-01 10:00")
    mixed = write(tmp_path, "mixed.csv", "c,d,q,a\nA,2024-01-01T10:00:00+08:00,1,5\nB,2024-01-01T10:00:00+01:00,1,5\n")
    with pytest.raises(InputError, match=r"^mixed\.csv: column 'd': the dates carry different time-zone offsets"):
        transactions.load_transactions(mixed, mapping=mapping)


def test_sheet_index_out_of_range(tmp_path, excel_engine):
    workbook = openpyxl.Workbook()
    workbook.active.title = "2024"
    workbook.active.append(["a"])
    path = tmp_path / "book.xlsx"
    workbook.save(path)
    with pytest.raises(InputError, match=r"^book\.xlsx: no sheet 3 \(sheets: '2024'\)$"):
        files.read_table(path, sheet=3)


def test_parse_dates_takes_excel_date_cells_as_they_are():
    values = pd.Series([dt.datetime(2024, 1, 2, 9, 30), "2024-01-03 10:00:00", None], dtype=object)
    parsed = parsing.parse_dates(values, source="book.xlsx", column="when", allow_missing=True)
    assert parsed.tolist()[:2] == [ts("2024-01-02 09:30"), ts("2024-01-03 10:00")]
    assert pd.isna(parsed.iloc[2])
    with pytest.raises(InputError, match=r"^book\.xlsx: column 'when': 1 of 3 values are not dates \(row 3: ''\); expected"):
        parsing.parse_dates(values, source="book.xlsx", column="when")


DEMO = Path(__file__).resolve().parents[1] / "data" / "raw" / "demo"


def test_demo_files_written_by_the_generator_load():
    if not (DEMO / "transactions.csv").exists():
        pytest.skip("no demo data in data/raw/demo (segkit.datasets.write_demo has not run)")
    frame = transactions.load_transactions(DEMO / "transactions.csv", preset="demo")
    assert_canonical_dtypes(frame)
    assert frame[schema.CUSTOMER_ID].notna().any() and frame[schema.CUSTOMER_ID].isna().any()
    assert frame[schema.ORDER_ID].str.startswith("C").any()  # cancellations
    customers = intake_customers.load_customers(DEMO / "customers.csv")
    assert customers[schema.CUSTOMER_ID].is_unique
    assert customers["signup_date"].dtype == "datetime64[us]"
