"""Customer attribute files with Chinese or English headers, and the personal-data filter.

The demo customer file is rewritten with the headers a Chinese CRM export has (客户编号, 省份,
行业, 姓名, 手机号 ...): the prepared attributes must be exactly those of the English file, and
no personal value may reach a prepared file.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from test_lifetime_report import _Collected

from segkit.core import privacy
from segkit.core.errors import InputError
from segkit.core.privacy import filter_pii, id_number_valid, pii_kind
from segkit.intake import load_customers
from segkit.intake.customer_columns import customer_column_names
from segkit.pipeline.config import InputFile
from segkit.pipeline.prepare import prepare

DEMO = Path(__file__).resolve().parents[1] / "data" / "raw" / "demo"
ZH_HEADERS = {
    "customer_id": "客户编号",
    "customer_type": "客户类型",
    "province": "省份",
    "city": "城市",
    "industry": "行业",
    "age_band": "年龄段",
    "gender": "性别",
    "signup_date": "注册日期",
    "name": "姓名",
    "phone": "手机号",
    "email": "邮箱",
}
# Resident ID numbers with a correct check character, worked out by hand with GB 11643's weights:
# the first 17 digits 11010519491231002 have weighted sum 167; 167 mod 11 = 2 -> check "X", so ...002X is valid.
VALID_ID = "11010519491231002X"
INVALID_ID = "110105194912310021"


@pytest.fixture(scope="module")
def zh_customers(tmp_path_factory) -> Path:
    english = pd.read_csv(DEMO / "customers.csv", dtype="str", keep_default_na=False)
    folder = tmp_path_factory.mktemp("zh-customers")
    rows = english.rename(columns=ZH_HEADERS).assign(身份证号=VALID_ID, 地址="河南省郑州市金水路1号")
    rows.to_csv(folder / "客户.csv", index=False, encoding="utf-8-sig")
    return folder / "客户.csv"


def test_chinese_headers_give_the_canonical_names(zh_customers):
    table = load_customers(zh_customers)
    assert list(table.columns[:8]) == [
        "customer_id",
        "customer_type",
        "province",
        "city",
        "industry",
        "age_band",
        "gender",
        "signup_date",
    ]
    assert {"name", "phone", "email", "id_number", "address"} <= set(table.columns)
    assert str(table["signup_date"].dtype) == "datetime64[us]"


def test_a_run_from_chinese_headers_prepares_the_same_attributes_as_from_english(zh_customers, tmp_path):
    transactions = InputFile(path=DEMO / "transactions.csv", preset="demo")
    english = prepare({"transactions": transactions, "customers": InputFile(path=DEMO / "customers.csv")}, tmp_path / "en")
    chinese = prepare({"transactions": transactions, "customers": InputFile(path=zh_customers)}, tmp_path / "zh")
    pd.testing.assert_frame_equal(chinese.optional("attributes"), english.optional("attributes"))
    assert set(english.optional("attributes").columns).isdisjoint({"name", "phone", "email"})
    removed = {(r["column"], r["action"]) for r in chinese.meta["privacy"]["customers"]}
    assert removed == {(c, "dropped") for c in ("name", "phone", "email", "id_number", "address")}
    values = privacy.pii_values(load_customers(zh_customers), columns=("name", "phone", "email", "id_number", "address"))
    assert VALID_ID in values
    assert privacy.find_pii([p for p in (tmp_path / "zh").rglob("*") if p.is_file()], values) == {}


def test_an_explicit_mapping_wins_and_a_wrong_one_is_named(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("会员,地区,客户编号\nA1,华东,X\nA2,华北,Y\n", encoding="utf-8")
    table = load_customers(path, mapping={"customer_id": "会员"})
    assert table["customer_id"].tolist() == ["A1", "A2"]
    assert "客户编号" in table.columns and table["region"].tolist() == ["华东", "华北"]
    with pytest.raises(InputError, match=r"c\.csv: the mapping names column '会员号'.*lacks"):
        load_customers(path, mapping={"customer_id": "会员号"})


def test_a_file_without_an_id_column_says_which_headers_would_do(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("省份,行业\n河南省,金融业\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"c\.csv: no customer id column.*客户编号"):
        load_customers(path)


def test_a_repeated_id_is_reported_under_the_files_own_header(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("客户编号,省份\nA1,河南省\nA1,北京市\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"'客户编号'.*repeated ids"):
        load_customers(path)


def test_headers_match_loosely_but_one_column_per_canonical_name():
    assert customer_column_names(["Customer ID", "Province", "手机", "电话"]) == {
        "Customer ID": "customer_id",
        "Province": "province",
        "手机": "phone",  # the first phone column takes the name, the second keeps its own
    }


def test_id_number_check_character_by_hand():
    assert id_number_valid(VALID_ID)
    assert id_number_valid(VALID_ID.lower())
    assert not id_number_valid(INVALID_ID)
    assert not id_number_valid("12345")


@pytest.mark.parametrize(
    "values, kind",
    [
        (["a@b.cn", "c.d@mail.example.com", ""], "email"),
        (["13573864951", "+86 135 7386 4951", "135-7386-4951"], "mobile"),
        ([VALID_ID, VALID_ID, "x"], "id_number"),
        ([INVALID_ID, INVALID_ID, "x"], None),  # 18 digits without a valid check character
        (["12573864951", "1357386495"], None),  # not a mainland mobile number (second digit 2; 10 digits)
        (["a@b.cn", "x", "y"], None),  # one in three is below the share that drops a column
    ],
)
def test_value_patterns(values, kind):
    assert pii_kind(pd.Series(values, dtype="str")) == kind


def test_filter_drops_by_name_and_value_masks_inside_text_and_never_records_a_value():
    frame = pd.DataFrame(
        {
            "customer_id": ["13573864951", "13252167266", "13000000000"],
            "客户名称": ["张三", "李四", "王五"],
            "contact_info": ["a", "b", "c"],
            "code": ["a@b.cn", "c@d.cn", "e@f.cn"],
            "备注": [f"证件 {VALID_ID}", "回电 135 7386 4951", f"旧号 {INVALID_ID}"],
            "province": ["河南省", "北京市", None],
        }
    )
    out, record = filter_pii(frame)
    assert list(out.columns) == ["customer_id", "备注", "province"]
    assert out["备注"].tolist() == ["证件 [id]", "回电 [phone]", f"旧号 {INVALID_ID}"]
    assert out["customer_id"].tolist() == frame["customer_id"].tolist()  # the key is never changed
    assert record == [
        {"column": "customer_id", "rule": "mobile", "action": "kept", "cells": 3},
        {"column": "客户名称", "rule": "name", "action": "dropped", "cells": 3},
        {"column": "contact_info", "rule": "name", "action": "dropped", "cells": 3},
        {"column": "code", "rule": "email", "action": "dropped", "cells": 3},
        {"column": "备注", "rule": "mobile", "action": "masked", "cells": 1},
        {"column": "备注", "rule": "id_number", "action": "masked", "cells": 1},
    ]
    assert frame["备注"].iloc[0].endswith(VALID_ID)  # the input frame is left as it was


@pytest.mark.parametrize("column", ["姓名", "手机号", "身份证号", "联系地址", "邮箱", "客户名称", "customer_email", "id_card"])
def test_chinese_and_english_personal_column_names(column):
    assert privacy.is_pii_column(column)


def test_the_data_quality_report_lists_what_was_removed_without_values(zh_customers, tmp_path):
    from segkit.reporting.quality_report import QualityReport

    inputs = {"transactions": InputFile(path=DEMO / "transactions.csv", preset="demo"), "customers": InputFile(path=zh_customers)}
    run = prepare(inputs, tmp_path / "p")
    for language, heading, dropped in (
        ("en", "Personal data kept out of the reports", "column dropped"),
        ("zh", "报告中排除的个人信息", "整列删除"),
    ):
        R = _Collected(language)
        QualityReport(R, run).personal_data()
        shown = "\n".join(R.shown)
        assert heading in shown and dropped in shown and "id_number" in shown
        assert VALID_ID not in shown
