"""Intake errors never quote personal data: a wrong mapping must not copy e-mails or phones into messages.

An `InputError` message reaches stderr, run.log, the manifest and the failed notebook, so the
offending values it samples are masked (``[email]``, ``[phone]``, ``[id]``) or left out when the
column is personal data by name or by content; the file, column and rows are still named.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from segkit import InputError
from segkit.core.privacy import id_number_valid, mask_pii
from segkit.intake import load_customers, load_transactions, parsing

EMAILS = ["anne.obrien@example.com", "wei.he@example.cn", "li@shop.cn"]
PHONES = ["13812345678", "+86 139 8765 4321", "15900001111"]
ID_NUMBER = "11010519491231002X"  # the GB 11643 sample number, check character valid


def _write(tmp_path: Path, name: str, frame: pd.DataFrame) -> Path:
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


def _assert_clean(message: str) -> None:
    for value in (*EMAILS, *PHONES, ID_NUMBER, "13812345678"[3:]):
        assert value not in message, value


@pytest.mark.parametrize(("email_col", "phone_col"), [("email", "mobile"), ("col_e", "col_p")])
def test_wrong_mapping_of_email_and_phone_columns_keeps_them_out_of_the_error(tmp_path, email_col, phone_col):
    frame = pd.DataFrame(
        {"cust": ["C1", "C2", "C3"], "sku": ["A", "B", "C"], email_col: EMAILS, phone_col: PHONES, "price": [1.0, 2.0, 3.0]}
    )
    path = _write(tmp_path, "orders.csv", frame)
    mapping = {
        "customer_id": "cust",
        "order_date": phone_col,  # wrong: the phone column as dates
        "product_id": "sku",
        "quantity": email_col,  # wrong: the e-mail column as quantities
        "unit_price": "price",
    }
    with pytest.raises(InputError) as caught:
        load_transactions(path, mapping=mapping)
    message = str(caught.value)
    _assert_clean(message)
    assert "orders.csv" in message
    assert f"column {email_col!r}: 3 of 3 values are not numbers" in message
    assert f"column {phone_col!r}: 3 of 3 values are not dates" in message
    assert "rows 1, 2, 3" in message
    assert message.count("values not shown: personal data") == 2  # by name (email, mobile) or by content


def test_single_personal_values_in_an_ordinary_column_are_masked(tmp_path):
    frame = pd.DataFrame(
        {
            "cust": ["C1", "C2", "C3", "C4"],
            "day": ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"],
            "note": ["2", f"mail {EMAILS[0]}", f"tel {PHONES[0]}", ID_NUMBER],
            "price": [1.0, 2.0, 3.0, 4.0],
        }
    )
    path = _write(tmp_path, "notes.csv", frame)
    mapping = {"customer_id": "cust", "order_date": "day", "quantity": "note", "unit_price": "price"}
    with pytest.raises(InputError) as caught:
        load_transactions(path, mapping=mapping)
    message = str(caught.value)
    _assert_clean(message)
    assert "notes.csv: column 'note': 3 of 4 values are not numbers" in message
    assert "row 2: 'mail [email]', row 3: 'tel [phone]', row 4: '[id]'" in message


def test_ordinary_bad_values_are_still_quoted():
    values = pd.Series(["2011-02-28", "31/02/2011", "n/a"])
    with pytest.raises(
        InputError, match=r"x.csv: column 'InvoiceDate': 2 of 3 values are not dates \(row 2: '31/02/2011', row 3: 'n/a'\)"
    ):
        parsing.parse_dates(values, source="x.csv", column="InvoiceDate", formats="ISO8601")


def test_customer_ids_that_are_phone_numbers_are_not_quoted_when_repeated(tmp_path):
    frame = pd.DataFrame({"member": [PHONES[0], PHONES[2], PHONES[0]], "region": ["N", "S", "E"]})
    with pytest.raises(InputError) as caught:
        load_customers(_write(tmp_path, "customers.csv", frame), id_column="member")
    message = str(caught.value)
    _assert_clean(message)
    assert "customers.csv: column 'member': 2 of 3 values are repeated ids" in message
    assert "rows 1, 3; values not shown: personal data" in message


def test_customer_signup_dates_from_a_personal_column_are_not_quoted(tmp_path):
    frame = pd.DataFrame({"customer_id": ["C1", "C2"], "signup": [EMAILS[0], "2024-01-05"]})
    with pytest.raises(InputError) as caught:
        load_customers(_write(tmp_path, "customers.csv", frame), signup_column="signup")
    message = str(caught.value)
    _assert_clean(message)
    assert "column 'signup': 1 of 2 values are not dates (row 1; values not shown: personal data)" in message


def test_mask_pii_replaces_each_kind():
    assert id_number_valid(ID_NUMBER)
    assert mask_pii(f"{EMAILS[1]} / {PHONES[1]} / {ID_NUMBER} / 2024-01-05") == "[email] / [phone] / [id] / 2024-01-05"
    assert mask_pii("110105194912310021") == "110105194912310021"  # wrong check character: not an ID number


def test_survey_scale_errors_mask_personal_answers():
    from segkit.survey.load import _score_column

    frame = pd.DataFrame({"q1": ["4", f"call me {PHONES[0]}", EMAILS[0]]})
    with pytest.raises(InputError) as caught:
        _score_column(frame, "q1", low=1, high=5, source="survey.csv")
    message = str(caught.value)
    _assert_clean(message)
    assert "survey.csv: column 'q1': 2 of 3 values" in message and "row 2: 'call me [phone]', row 3: '[email]'" in message
