"""segkit.datasets: the seeded demo data has the promised format, dirt and planted structure.

Every check reads the files back as text (as a user's tool would) and recounts the planted
facts independently of the generator's own bookkeeping (truth.json).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segkit import InputError, datasets
from segkit.cli import main as cli_main
from segkit.datasets import population

CODES = ("POST", "D", "M", "BANK CHARGES", "AMAZONFEE")
TX_HEADER = "invoice_id,product_id,category,description,quantity,unit_price,unit_cost,invoice_date,customer_id"
CUSTOMERS_HEADER = "customer_id,customer_type,province,city,industry,age_band,gender,signup_date,name,phone,email"


def _read(path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The default demo (5,000 customers, default seed) written once, read back as text."""
    out = tmp_path_factory.mktemp("demo")
    paths = datasets.write_demo(out)
    raw = _read(out / "transactions.csv")
    lines = raw.assign(
        quantity=raw["quantity"].astype(int),
        unit_price=raw["unit_price"].astype(float),
        invoice_date=pd.to_datetime(raw["invoice_date"], format="%Y-%m-%d %H:%M:%S"),
    )
    lines = lines.assign(amount=lines["quantity"] * lines["unit_price"])
    truth = json.loads((out / "truth.json").read_text(encoding="utf-8"))
    return {"out": out, "paths": paths, "raw": raw, "lines": lines, "customers": _read(out / "customers.csv"), "truth": truth}


def _clean_product_lines(lines: pd.DataFrame) -> pd.DataFrame:
    """What a careful analyst keeps: known customer, sale of a product at a positive price."""
    keep = (
        (lines["customer_id"] != "")
        & ~lines["invoice_id"].str.startswith("C")
        & ~lines["product_id"].isin(CODES)
        & (lines["quantity"] > 0)
        & (lines["unit_price"] > 0)
        & (lines["quantity"] < 10_000)
        & ~lines.duplicated()
    )
    return lines[keep]


# --- determinism and files --------------------------------------------------------------


def test_same_seed_gives_byte_identical_files_and_another_seed_does_not(tmp_path):
    first = datasets.write_demo(tmp_path / "a", customers=300, seed=7)
    second = datasets.write_demo(tmp_path / "b", customers=300, seed=7)
    other = datasets.write_demo(tmp_path / "c", customers=300, seed=8)
    assert [p.name for p in first] == [p.name for p in second]
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    assert (tmp_path / "a" / "transactions.csv").read_bytes() != (tmp_path / "c" / "transactions.csv").read_bytes()
    assert other[0].name == "transactions.csv"


def test_files_do_not_depend_on_the_process_or_hash_seed(tmp_path):
    """No set or dict ordering, no clock: a fresh interpreter with another hash seed agrees."""
    paths = datasets.write_demo(tmp_path / "here", customers=300, seed=9)
    script = (
        "import hashlib, sys\n"
        "from segkit import datasets\n"
        "for p in datasets.write_demo(sys.argv[1], customers=300, seed=9):\n"
        "    print(p.name, hashlib.sha256(p.read_bytes()).hexdigest())\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "there")], env=env, capture_output=True, text=True, check=True
    )
    expected = "".join(f"{p.name} {hashlib.sha256(p.read_bytes()).hexdigest()}\n" for p in paths)
    assert done.stdout == expected


def test_survey_writer_gets_the_frames_as_written_and_its_files_are_returned(tmp_path, monkeypatch):
    if importlib.util.find_spec("segkit.datasets.survey") is None:
        pytest.skip("segkit.datasets.survey (the needs engineer's survey writer) is not in this checkout")
    from segkit.datasets import survey

    seen = {}

    def fake_writer(out_dir, customers, transactions, *, seed):
        seen.update(customers=customers, transactions=transactions, seed=seed)
        (out_dir / "survey.csv").write_text("respondent_id\n", encoding="utf-8")
        return [out_dir / "survey.csv"]

    monkeypatch.setattr(survey, "write_survey_files", fake_writer)
    paths = datasets.write_demo(tmp_path, customers=200, seed=4)
    assert [p.name for p in paths] == ["transactions.csv", "customers.csv", "survey.csv", "truth.json"]
    assert (tmp_path / "survey.csv").read_text(encoding="utf-8") == "respondent_id\n"
    expected = datasets.generate_demo(customers=200, seed=4)
    assert seen["seed"] == 4
    pd.testing.assert_frame_equal(seen["customers"], expected.customers)
    pd.testing.assert_frame_equal(seen["transactions"], expected.transactions)


def test_write_demo_returns_the_files_it_wrote_and_leaves_no_staging_folder(demo):
    names = [p.name for p in demo["paths"]]
    assert names[:2] == ["transactions.csv", "customers.csv"] and names[-1] == "truth.json"
    assert all(p.is_file() and p.parent == demo["out"] for p in demo["paths"])
    assert sorted(p.name for p in demo["out"].iterdir()) == sorted(names)


def test_a_failed_write_leaves_the_previous_files_untouched(tmp_path, monkeypatch):
    datasets.write_demo(tmp_path, customers=200, seed=1)
    before = (tmp_path / "transactions.csv").read_bytes()

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(datasets.json, "dumps", fail)  # truth.json is written after both CSVs
    with pytest.raises(RuntimeError, match="disk full"):
        datasets.write_demo(tmp_path, customers=400, seed=2)
    assert (tmp_path / "transactions.csv").read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".demo-")]


def test_frames_are_what_was_written(demo):
    data = datasets.generate_demo()
    assert list(data.transactions.columns) == TX_HEADER.split(",")
    assert list(data.customers.columns) == CUSTOMERS_HEADER.split(",")
    assert len(data.transactions) == len(demo["raw"]) and len(data.customers) == len(demo["customers"])
    assert data.transactions["customer_id"].isna().sum() == (demo["raw"]["customer_id"] == "").sum()
    assert data.truth == demo["truth"]
    assert datasets.generate_customers(customers=300, seed=3).equals(datasets.generate_demo(customers=300, seed=3).customers)
    assert datasets.generate_transactions(customers=300, seed=3).equals(
        datasets.generate_demo(customers=300, seed=3).transactions
    )


def test_cli_writes_the_demo_data(tmp_path, capsys):
    assert cli_main(["demo-data", "--out", str(tmp_path), "--customers", "200", "--seed", "5"]) == 0
    assert (tmp_path / "transactions.csv").exists() and (tmp_path / "truth.json").exists()
    assert "transactions.csv" in capsys.readouterr().out


def test_too_few_customers_is_an_input_error(tmp_path, capsys):
    with pytest.raises(InputError, match="at least 50"):
        datasets.generate_demo(customers=10)
    assert cli_main(["demo-data", "--out", str(tmp_path), "--customers", "10"]) == 2
    assert "at least 50 (got 10)" in capsys.readouterr().err


# --- formats ----------------------------------------------------------------------------


def test_headers_are_exact(demo):
    for name, header in (("transactions.csv", TX_HEADER), ("customers.csv", CUSTOMERS_HEADER)):
        first_line = (demo["out"] / name).read_text(encoding="utf-8").split("\n", 1)[0]
        assert first_line == header


def test_transaction_fields_follow_the_documented_formats(demo):
    raw = demo["raw"]
    assert raw["invoice_id"].str.fullmatch(r"C?5\d{5}").all()
    assert raw["customer_id"].str.fullmatch(r"(CU\d{5})?").all()
    assert raw["quantity"].str.fullmatch(r"-?\d+").all()
    assert raw["unit_price"].str.fullmatch(r"-?\d+\.\d\d").all()
    assert raw["invoice_date"].str.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d").all()
    dates = demo["lines"]["invoice_date"]
    assert dates.min() >= pd.Timestamp("2024-01-01") and dates.max() <= pd.Timestamp("2025-12-31 23:59:59")
    products = raw[~raw["product_id"].isin(CODES)]
    assert products["product_id"].str.fullmatch(r"(EL|HM|AP|FD|OF)\d{3}").all()
    assert set(products["category"]) == {"electronics", "home", "apparel", "food", "office"}
    assert products.groupby("category")["product_id"].nunique().eq(20).all()
    assert (raw.loc[raw["product_id"].isin(CODES), "category"] == "").all()
    # One invoice, one customer and one timestamp.
    per_invoice = raw.groupby("invoice_id")[["customer_id", "invoice_date"]].nunique()
    assert (per_invoice == 1).all().all()


def test_every_other_product_costs_five_percent_more_from_2025(demo):
    lines = demo["lines"]
    sales = lines[(lines["quantity"] > 0) & (lines["quantity"] < 10_000) & (lines["unit_price"] > 0)]
    prices = sales.groupby(["product_id", sales["invoice_date"].dt.year])["unit_price"].unique()
    # Hand computation: EL001 (first product) 199 x 1.05 = 208.95 -> 209.0; AP001 79 x 1.05 = 82.95 -> 83.0;
    # EL002 (second product) keeps 129.
    assert list(prices[("EL001", 2024)]) == [199.0] and list(prices[("EL001", 2025)]) == [209.0]
    assert list(prices[("AP001", 2024)]) == [79.0] and list(prices[("AP001", 2025)]) == [83.0]
    assert list(prices[("EL002", 2024)]) == list(prices[("EL002", 2025)]) == [129.0]


def test_invoice_numbers_rise_with_time(demo):
    lines = demo["lines"]
    number = lines["invoice_id"].str.removeprefix("C").astype(int)
    assert number.is_monotonic_increasing
    assert lines["invoice_date"].is_monotonic_increasing
    assert number.min() == 500_001


def test_customer_fields_follow_the_documented_formats(demo):
    c = demo["customers"]
    assert c["customer_id"].str.fullmatch(r"CU\d{5}").all() and c["customer_id"].is_unique
    assert c["customer_id"].tolist() == [f"CU{i:05d}" for i in range(1, len(c) + 1)]
    assert set(c["customer_type"]) == {"individual", "enterprise"}
    enterprise = c["customer_type"] == "enterprise"
    assert (c.loc[enterprise, "industry"] != "").all() and (c.loc[~enterprise, "industry"] == "").all()
    assert (c.loc[enterprise, ["age_band", "gender"]] == "").all().all()
    assert set(c.loc[~enterprise, "age_band"]) == {"18-24", "25-34", "35-44", "45-54", "55+"}
    assert set(c.loc[~enterprise, "gender"]) == {"男", "女"}
    assert set(c.loc[enterprise, "industry"]) <= {i for i, _ in population.INDUSTRIES}
    assert c["province"].nunique() == 10 and c["province"].str.endswith(("省", "市")).all()
    assert c["city"].str.endswith("市").all()
    assert c["signup_date"].str.fullmatch(r"\d{4}-\d\d-\d\d").all()
    assert c["signup_date"].max() <= "2025-12-31" and c["signup_date"].min() >= "2021-01-01"
    assert c["name"].str.fullmatch(r"[\u4e00-\u9fff]{2,}").all()
    assert c["phone"].str.fullmatch(r"1[3-9]\d{9}").all() and c["phone"].is_unique
    assert c["email"].str.fullmatch(r"[a-z.]+\d+@[a-z.]+\.example\.cn").all() and c["email"].is_unique
    assert c.loc[enterprise, "name"].str.endswith("有限公司").all()


def test_customer_mix_is_about_four_to_one_individuals(demo):
    c = demo["customers"]
    assert (c["customer_type"] == "enterprise").mean() == pytest.approx(0.20, abs=0.02)
    shares = c["province"].value_counts(normalize=True)
    assert shares.index[0] == "广东省" and shares.iloc[0] == pytest.approx(0.18, abs=0.02)


# --- dirt -------------------------------------------------------------------------------


def test_dirt_counts_recounted_from_the_file_match_truth(demo):
    lines, dirt = demo["lines"], demo["truth"]["dirt"]
    is_code = lines["product_id"].isin(CODES)
    cancel = lines["invoice_id"].str.startswith("C")
    recount = {
        "missing_customer_id": int((lines["customer_id"] == "").sum()),
        "cancellation": int(cancel.sum()),
        "return": int((~cancel & ~is_code & (lines["quantity"] < 0)).sum()),
        "duplicate": int(lines.duplicated().sum()),
        "zero_price": int((lines["unit_price"] == 0).sum()),
        "negative_price": int(((lines["unit_price"] < 0) & ~is_code).sum()),
        "non_product": int(is_code.sum()),
        "extreme_quantity": int((lines["quantity"] >= 10_000).sum()),
    }
    assert recount == {kind: dirt[kind]["lines"] for kind in recount}
    assert dirt["non_product"]["by_code"] == lines.loc[is_code, "product_id"].value_counts().reindex(CODES).to_dict()
    assert demo["truth"]["lines"] == len(lines)
    assert demo["truth"]["invoices"] == lines["invoice_id"].nunique()


def test_dirt_kinds_are_disjoint(demo):
    lines = demo["lines"]
    is_code = lines["product_id"].isin(CODES)
    flags = pd.DataFrame(
        {
            "missing": lines["customer_id"] == "",
            "cancellation": lines["invoice_id"].str.startswith("C"),
            "return": ~lines["invoice_id"].str.startswith("C") & ~is_code & (lines["quantity"] < 0),
            "duplicate": lines.duplicated(keep=False),
            "zero_price": lines["unit_price"] == 0,
            "negative_price": (lines["unit_price"] < 0) & ~is_code,
            "non_product": is_code,
            "extreme": lines["quantity"] >= 10_000,
        }
    )
    # keep=False marks the original and its copy; each is a clean line apart from being doubled.
    assert flags.sum(axis=1).max() == 1
    planted = sum(entry["lines"] for entry in demo["truth"]["dirt"].values())
    assert flags.any(axis=1).sum() == planted + flags["duplicate"].sum() / 2  # originals of the copies


def test_dirt_rates_are_the_documented_targets(demo):
    dirt, total = demo["truth"]["dirt"], demo["truth"]["lines"]
    for kind, entry in dirt.items():
        if entry["target_rate"] is not None:
            # Counts are round(rate * expected total); the realised total differs by < 1%.
            assert entry["rate"] == pytest.approx(entry["target_rate"], rel=0.02, abs=2 / total), kind
    # 5,000 customers / 2,500 per extreme line = 2 lines (hand computation).
    assert dirt["extreme_quantity"]["lines"] == 2
    assert dirt["missing_customer_id"]["lines"] > 0 and dirt["negative_price"]["lines"] > 0


def test_each_cancellation_reverses_an_earlier_line_of_the_same_customer(demo):
    lines = demo["lines"].reset_index(names="row")
    cancels = lines[lines["invoice_id"].str.startswith("C")]
    sales = lines[~lines["invoice_id"].str.startswith("C") & (lines["quantity"] > 0)]
    keys = ["customer_id", "product_id", "unit_price"]
    pairs = cancels.merge(sales, on=keys, suffixes=("", "_sale"))
    pairs = pairs[
        (pairs["quantity_sale"] == -pairs["quantity"])
        & (pairs["invoice_date_sale"] < pairs["invoice_date"])
        & (pairs["invoice_date"] - pairs["invoice_date_sale"] <= pd.Timedelta(days=14))
    ]
    assert pairs["row"].nunique() == len(cancels)
    assert (cancels["customer_id"] != "").all() and (cancels["quantity"] < 0).all()


def test_each_return_gives_back_part_of_an_earlier_purchase(demo):
    lines = demo["lines"].reset_index(names="row")
    is_code = lines["product_id"].isin(CODES)
    normal = ~lines["invoice_id"].str.startswith("C") & ~is_code
    returns = lines[normal & (lines["quantity"] < 0)]
    sales = lines[normal & (lines["quantity"] > 0)]
    pairs = returns.merge(sales, on=["customer_id", "product_id", "unit_price"], suffixes=("", "_sale"))
    pairs = pairs[
        (pairs["quantity_sale"] >= -pairs["quantity"])
        & (pairs["invoice_date_sale"] < pairs["invoice_date"])
        & (pairs["invoice_date"] - pairs["invoice_date_sale"] <= pd.Timedelta(days=60))
    ]
    assert pairs["row"].nunique() == len(returns) > 0
    # A return invoice holds only returns.
    assert (lines[lines["invoice_id"].isin(returns["invoice_id"])]["quantity"] < 0).all()


def test_duplicates_sit_right_after_their_original(demo):
    raw = demo["raw"]
    dup = raw.duplicated()
    assert raw[dup].reset_index(drop=True).equals(raw[dup.shift(-1, fill_value=False)].reset_index(drop=True))


def test_guest_invoices_have_no_customer_on_any_line_and_no_other_dirt(demo):
    lines = demo["lines"]
    guest = lines[lines["customer_id"] == ""]
    assert guest["invoice_id"].str.fullmatch(r"\d+").all()
    assert (guest["quantity"] > 0).all() and (guest["unit_price"] > 0).all()
    assert not guest["product_id"].isin(CODES).any() and not guest.duplicated().any()
    mixed = lines[lines["invoice_id"].isin(guest["invoice_id"])]
    assert (mixed["customer_id"] == "").all()


def test_extreme_quantities_are_few_cheap_lines_listed_in_truth(demo):
    lines, truth = demo["lines"], demo["truth"]["dirt"]["extreme_quantity"]
    extreme = lines[lines["quantity"] >= 10_000]
    assert sorted(extreme["invoice_id"]) == sorted(truth["invoice_ids"])
    assert (extreme["unit_price"] < 20).all() and (extreme["quantity"] < 90_000).all()
    # Everything else is an ordinary basket: at most 2,000 units a line.
    assert lines.loc[lines["quantity"] < 10_000, "quantity"].abs().max() <= 2000


# --- planted structure ------------------------------------------------------------------


def test_group_sizes_are_exact_shares(demo):
    truth = demo["truth"]
    # Hand computation for 5,000 customers: 8% never bought = 400, 3% lapsed = 150.
    assert len(truth["never_bought"]) == 400
    assert len(truth["lapsed_big_spenders"]["ids"]) == 150
    groups = [set(truth["never_bought"]), set(truth["lapsed_big_spenders"]["ids"]), set(truth["churned"]["ids"])]
    assert all(a.isdisjoint(b) for i, a in enumerate(groups) for b in groups[i + 1 :])
    # 30% of the 5,000 - 400 - 150 = 4,450 remaining buyers churn: 1,335, less the few who signed
    # up too late to churn.
    assert 1300 <= len(truth["churned"]["ids"]) <= 1335


def test_never_bought_customers_exist_but_have_no_line(demo):
    never = set(demo["truth"]["never_bought"])
    assert never <= set(demo["customers"]["customer_id"])
    assert never.isdisjoint(demo["lines"]["customer_id"])
    buyers = set(demo["lines"]["customer_id"]) - {""}
    assert buyers | never == set(demo["customers"]["customer_id"])


def test_lapsed_big_spenders_stop_before_the_lapse_date(demo):
    lapsed = demo["truth"]["lapsed_big_spenders"]
    assert lapsed["lapse_date"] == "2025-06-01"
    theirs = demo["lines"][demo["lines"]["customer_id"].isin(lapsed["ids"])]
    assert theirs["invoice_date"].max() < pd.Timestamp("2025-06-01")
    last = theirs.groupby("customer_id")["invoice_date"].max()
    inactive = pd.to_datetime(pd.Series(lapsed["inactive_from"]))
    assert (last < inactive.reindex(last.index)).all()
    assert inactive.min() >= pd.Timestamp("2025-02-01") and inactive.max() <= pd.Timestamp("2025-06-01")


def test_lapsed_big_spenders_were_big_and_frequent_in_2024(demo):
    clean = _clean_product_lines(demo["lines"])
    year = clean[clean["invoice_date"].dt.year == 2024]
    revenue_rank = year.groupby("customer_id")["amount"].sum().rank(pct=True)
    orders_rank = year.groupby("customer_id")["invoice_id"].nunique().rank(pct=True)
    ids = demo["truth"]["lapsed_big_spenders"]["ids"]
    assert set(ids) <= set(revenue_rank.index)  # all bought in 2024
    assert (revenue_rank.reindex(ids) > 0.8).mean() >= 0.75
    assert orders_rank.reindex(ids).median() >= 0.85


def test_churned_customers_buy_nothing_from_their_churn_day(demo):
    churned = demo["truth"]["churned"]["inactive_from"]
    lines = demo["lines"]
    theirs = lines[lines["customer_id"].isin(churned)]
    day = pd.to_datetime(theirs["customer_id"].map(churned))
    assert (theirs["invoice_date"] < day).all()


def test_spend_is_heavy_tailed(demo):
    revenue = _clean_product_lines(demo["lines"]).groupby("customer_id")["amount"].sum().sort_values(ascending=False)
    top = int(np.ceil(0.2 * len(revenue)))
    share = revenue.iloc[:top].sum() / revenue.sum()
    assert 0.70 < share < 0.90


def test_enterprises_spend_more_than_individuals(demo):
    revenue = _clean_product_lines(demo["lines"]).groupby("customer_id")["amount"].sum()
    kind = demo["customers"].set_index("customer_id")["customer_type"].reindex(revenue.index)
    mean = revenue.groupby(kind).mean()
    assert mean["enterprise"] > 3 * mean["individual"]


def test_enterprises_lean_to_office_supplies(demo):
    clean = _clean_product_lines(demo["lines"])
    kind = clean["customer_id"].map(demo["customers"].set_index("customer_id")["customer_type"])
    office_share = clean["category"].eq("office").groupby(kind).mean()
    assert office_share["enterprise"] > 1.5 * office_share["individual"]


def test_nobody_buys_before_signing_up_and_newcomers_arrive_throughout(demo):
    clean = _clean_product_lines(demo["lines"])
    first = clean.groupby("customer_id")["invoice_date"].min()
    signup = pd.to_datetime(demo["customers"].set_index("customer_id")["signup_date"]).reindex(first.index)
    assert (first >= signup).all()
    newcomers = first[signup >= pd.Timestamp("2024-01-01")]
    per_quarter = newcomers.dt.to_period("Q").value_counts().sort_index()
    # Sign-ups rise linearly to twice the initial rate: every quarter has newcomers, the last
    # quarter about twice as many as the first.
    assert len(per_quarter) == 8 and per_quarter.min() >= 150
    assert per_quarter.iloc[-1] / per_quarter.iloc[0] == pytest.approx(2.0, rel=0.25)
    # Most newcomers buy within a week of signing up.
    assert ((newcomers - signup.reindex(newcomers.index)) <= pd.Timedelta(days=7)).mean() > 0.8


def test_november_and_december_are_the_peak_months(demo):
    clean = _clean_product_lines(demo["lines"])
    monthly = clean.groupby(clean["invoice_date"].dt.month)["amount"].sum()
    assert set(monthly.nlargest(2).index) == {11, 12}
    assert monthly[[11, 12]].mean() > 1.3 * monthly.drop([11, 12]).mean()
    assert monthly.idxmin() == 2  # Spring Festival lull


def test_orders_have_several_lines(demo):
    clean = _clean_product_lines(demo["lines"])
    per_order = clean.groupby("invoice_id").size()
    assert 2.0 < per_order.mean() < 4.0 and (per_order > 1).mean() > 0.5


def test_festival_days_carry_their_factor():
    intensity = population._day_intensity()
    day = {d: population._day_index(d) for d in ("2025-11-10", "2025-11-11", "2024-11-10", "2024-11-11")}
    # 2025-11-10 is a Monday and 11-11 a Tuesday: Double 11 is exactly 4x its eve.
    assert intensity[day["2025-11-11"]] / intensity[day["2025-11-10"]] == pytest.approx(4.0)
    # 2024-11-10 is a Sunday (weekend factor 1.1), 2024-11-11 a Monday: 4 / 1.1.
    assert intensity[day["2024-11-11"]] / intensity[day["2024-11-10"]] == pytest.approx(4.0 / 1.1)
    assert intensity.mean() == pytest.approx(1.0) and len(intensity) == 731


# --- scaling ----------------------------------------------------------------------------


def test_the_default_demo_has_about_100000_lines(demo):
    assert 90_000 <= demo["truth"]["lines"] <= 110_000
    assert len(demo["customers"]) == 5000


def test_size_scales_linearly_with_customers():
    small = datasets.generate_demo(customers=1000, seed=11).truth
    large = datasets.generate_demo(customers=4000, seed=11).truth
    assert large["lines"] / small["lines"] == pytest.approx(4.0, rel=0.1)
    # Hand computation: 8% of 1,000 = 80 and of 4,000 = 320; 3% = 30 and 120.
    assert (len(small["never_bought"]), len(large["never_bought"])) == (80, 320)
    assert (len(small["lapsed_big_spenders"]["ids"]), len(large["lapsed_big_spenders"]["ids"])) == (30, 120)
    assert large["dirt"]["cancellation"]["lines"] / small["dirt"]["cancellation"]["lines"] == pytest.approx(4.0, rel=0.1)


@settings(max_examples=12, deadline=None)
@given(customers=st.integers(50, 400), seed=st.integers(0, 2**32 - 1))
def test_planted_facts_hold_for_any_size_and_seed(customers, seed):
    data = datasets.generate_demo(customers=customers, seed=seed)
    lines, truth = data.transactions, data.truth
    assert len(lines) == truth["lines"] and data.customers["customer_id"].is_unique
    assert len(truth["never_bought"]) == round(0.08 * customers)
    assert set(truth["never_bought"]).isdisjoint(lines["customer_id"].dropna())
    lapsed = lines[lines["customer_id"].isin(truth["lapsed_big_spenders"]["ids"])]
    assert len(lapsed) > 0 and lapsed["invoice_date"].max() < pd.Timestamp("2025-06-01")
    churn_day = pd.to_datetime(lines["customer_id"].map(truth["churned"]["inactive_from"]))
    assert (lines["invoice_date"][churn_day.notna()] < churn_day.dropna()).all()
    assert lines["customer_id"].isna().sum() == truth["dirt"]["missing_customer_id"]["lines"]
    assert lines["invoice_id"].str.startswith("C").sum() == truth["dirt"]["cancellation"]["lines"]
    assert lines.duplicated().sum() == truth["dirt"]["duplicate"]["lines"]
    assert (lines["quantity"] >= 10_000).sum() == truth["dirt"]["extreme_quantity"]["lines"] >= 1
    assert lines["invoice_date"].between(pd.Timestamp("2024-01-01"), pd.Timestamp("2025-12-31 23:59:59")).all()


@pytest.mark.slow
def test_100k_customers_give_about_two_million_lines(tmp_path):
    paths = datasets.write_demo(tmp_path, customers=100_000, seed=3)
    truth = json.loads(paths[-1].read_text(encoding="utf-8"))
    assert 1_800_000 <= truth["lines"] <= 2_200_000
    with (tmp_path / "customers.csv").open(encoding="utf-8") as handle:
        assert sum(1 for _ in handle) == 100_001
    assert re.fullmatch(r"CU\d{5,}", truth["never_bought"][-1])
