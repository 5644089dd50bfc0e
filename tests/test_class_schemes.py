"""The user's own class schemes (issue 10): tiers with any number of cuts and names, the
战略 / 重要 / 普通 map, rule maps without a strategy, strategy files, the run config's segments."""

import json
import re
import textwrap
import warnings
from pathlib import Path

import pandas as pd
import pytest

from segkit.core.errors import InputError, InputWarning
from segkit.reporting import playbook
from segkit.reporting.i18n import catalogue
from segkit.reporting.names import segment_names
from segkit.value import maps
from segkit.value.segmentation import Segmenter
from segkit.value.tiers import STRATEGIC_TIERS, strategic_tiers, value_tiers

IDS = [f"c{i:02d}" for i in range(1, 11)]
REVENUE = [40, 20, 10, 10, 5, 5, 4, 3, 2, 1]  # total 100, so a revenue is its share in %


def features(revenue=REVENUE):
    # shuffled rows: the tiers follow revenue (ties by id), not the row order
    frame = pd.DataFrame({"customer_id": IDS, "revenue": [float(r) for r in revenue]})
    return frame.iloc[[3, 0, 9, 5, 1, 7, 2, 8, 4, 6]].reset_index(drop=True)


def labels(segmap):
    return dict(zip(segmap.table["customer_id"], segmap.table["segment"]))


def customers(revenue=REVENUE, last="2024-06-20"):
    """The per-customer table the segmenter fits on: one order each, the revenue above."""
    return pd.DataFrame(
        {
            "customer_id": IDS,
            "first_purchase": pd.Timestamp("2024-01-01"),
            "last_purchase": pd.Timestamp(last),
            "orders": 1,
            "purchase_days": 1,
            "revenue": [float(r) for r in revenue],
        }
    )


# ----------------------------------------------------------------------------- tiers with k cuts
# Customers sorted by revenue, highest first; "before" = share of the customers ahead of each one:
#   c01 .00  c02 .40  c03 .60  c04 .70  c05 .80  c06 .85  c07 .90  c08 .94  c09 .97  c10 .99
# Tier i while before < cut i. Cuts (0.5, 0.8, 0.95):
#   A: .00 .40 (< .5)   B: .60 .70 (< .8)   C: .80 .85 .90 .94 (< .95; .80 is not < .8)   D: .97 .99
FOUR_TIERS = {
    **dict.fromkeys(["c01", "c02"], "A"),
    **dict.fromkeys(["c03", "c04"], "B"),
    **dict.fromkeys(["c05", "c06", "c07", "c08"], "C"),
    **dict.fromkeys(["c09", "c10"], "D"),
}
# Default cuts (0.80, 0.95): A while before < .8 (c01..c04), B while < .95 (c05..c08), C the rest.
THREE_TIERS = {
    **dict.fromkeys(["c01", "c02", "c03", "c04"], "A"),
    **dict.fromkeys(["c05", "c06", "c07", "c08"], "B"),
    **dict.fromkeys(["c09", "c10"], "C"),
}


def test_four_tiers_worked_by_hand():
    tiers = value_tiers(features(), cuts=(0.5, 0.8, 0.95))
    assert labels(tiers.map) == FOUR_TIERS
    assert tiers.cuts == (0.5, 0.8, 0.95)
    assert tiers.keys == ("A", "B", "C", "D")
    assert tiers.map.segments["rank"].tolist() == [1, 2, 3, 4]
    assert tiers.map.sizes["customers"].tolist() == [2, 2, 4, 2]
    assert tiers.customer_share_at_cut == pytest.approx(0.2)


def test_default_cuts_give_the_same_three_tiers_as_before():
    tiers = value_tiers(features())
    assert labels(tiers.map) == THREE_TIERS
    assert tiers.cuts == (0.80, 0.95) and tiers.keys == ("A", "B", "C")
    assert tiers.customer_share_at_cut == pytest.approx(0.4)


def test_one_cut_gives_two_tiers_and_a_last_cut_of_one_leaves_only_zero_revenue_last():
    assert set(labels(value_tiers(features(), cuts=(0.5,)).map).items()) == {
        *((k, "A") for k in ("c01", "c02")),
        *((k, "B") for k in IDS[2:]),
    }
    # cut 1.0: every customer with revenue is ahead of it; only the zero-revenue one is past it
    frame = pd.DataFrame({"customer_id": ["a", "b", "z"], "revenue": [3.0, 1.0, 0.0]})
    assert labels(value_tiers(frame, cuts=(0.5, 1.0)).map) == {"a": "A", "b": "B", "z": "C"}


def test_named_tiers_and_their_names_in_both_languages():
    tiers = value_tiers(features(), cuts=(0.5, 0.8, 0.95), names=("vip", "large", "medium", "small"))
    rename = {"A": "vip", "B": "large", "C": "medium", "D": "small"}
    assert labels(tiers.map) == {k: rename[v] for k, v in FOUR_TIERS.items()}
    assert segment_names(tiers.map, "en") == {"vip": "VIP", "large": "Large", "medium": "Medium", "small": "Small"}
    assert segment_names(tiers.map, "zh") == {"vip": "VIP客户", "large": "大客户", "medium": "中客户", "small": "小客户"}
    four = value_tiers(features(), cuts=(0.5, 0.8, 0.95))
    assert segment_names(four.map, "zh")["D"] == "D类：第四层级"
    assert segment_names(four.map, "en")["D"] == "D: fourth tier"


@pytest.mark.parametrize(
    ("cuts", "names", "message"),
    [
        ((0.5, 0.5), None, "must increase"),
        ((0.8, 0.5), None, "must increase"),
        ((0.0, 0.5), None, "0 < first cut"),
        ((0.5, 1.2), None, "last cut <= 1"),
        ((), None, "one or more numbers"),
        ((0.5, "x"), None, "one or more numbers"),
        ((0.5, 0.8), ("vip", "large"), "2 cuts make 3 tiers, but 2 names"),
        ((0.5, 0.8), ("vip", "vip", "small"), "distinct"),
        ((0.5, 0.8), ("vip", "", "small"), "distinct, non-empty"),
    ],
)
def test_bad_cuts_and_names_are_input_errors(cuts, names, message):
    with pytest.raises(InputError, match=message):
        value_tiers(features(), cuts=cuts, names=names)


# ---------------------------------------------------------------------- 战略 / 重要 / 普通


def test_strategic_scheme_by_hand_and_its_names():
    segmap = strategic_tiers(features())
    assert segmap.name == "strategic_tier"
    rename = {"A": "strategic", "B": "key", "C": "ordinary"}
    assert labels(segmap) == {k: rename[v] for k, v in THREE_TIERS.items()}
    assert segmap.segments["key"].tolist() == [t["key"] for t in STRATEGIC_TIERS] == ["strategic", "key", "ordinary"]
    assert segment_names(segmap, "zh") == {"strategic": "战略客户", "key": "重要客户", "ordinary": "普通客户"}
    assert segment_names(segmap, "en") == {
        "strategic": "Strategic customers",
        "key": "Key customers",
        "ordinary": "Ordinary customers",
    }
    assert catalogue("zh")["value.maps.strategic_tier"] == "战略、重要与普通客户"
    with pytest.raises(InputError, match="two shares"):
        strategic_tiers(features(), cuts=(0.5, 0.8, 0.9))


def test_strategic_scheme_has_a_strategy_in_both_languages():
    segs = maps._catalogue(STRATEGIC_TIERS)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "no strategy" warning
        en = playbook.playbook("strategic_tier", segs, "en").set_index("key")
        zh = playbook.playbook("strategic_tier", segs, "zh").set_index("key")
    assert "Dedicated account manager" in en.loc["strategic", "actions"]
    assert "Cross-sell" in en.loc["key", "actions"]
    assert "Standardised, low-cost digital service" in en.loc["ordinary", "actions"]
    assert "专属客户经理" in zh.loc["strategic", "actions"] and zh.loc["strategic", "kpi"]


# ------------------------------------------------------------- a rule map without a strategy

RULES = textwrap.dedent("""
    account_size:
      title: {en: Account size, zh: 客户规模}
      segments:
        - {key: big, rank: 1, en: Big accounts, zh: 大账户, when: "revenue >= 10"}
      other: {key: rest, rank: 2, en: Other accounts, zh: 其他账户}
""")
STRATEGY = textwrap.dedent("""
    account_size:
      big:
        en: {actions: ["Visit twice a year", "Annual plan"], kpi: "Revenue kept"}
        zh: {actions: ["每年拜访两次", "年度计划"], kpi: "收入留存"}
      rest:
        en: {actions: ["Newsletter"], kpi: "Cost to serve"}
        zh: {actions: ["电子简报"], kpi: "服务成本"}
""")


@pytest.fixture
def rules_file(tmp_path):
    path = tmp_path / "my_rules.yaml"
    path.write_text(RULES, encoding="utf-8")
    return path


@pytest.fixture
def strategy_file(tmp_path):
    path = tmp_path / "my_strategy.yaml"
    path.write_text(STRATEGY, encoding="utf-8")
    return path


def test_map_without_strategy_warns_naming_map_and_segments_and_shows_no_strategy(rules_file):
    seg = Segmenter(rules_path=rules_file).fit(customers(), as_of="2024-07-01").segmentation_
    segmap = seg.maps["account_size"]
    # revenue >= 10: c01 40, c02 20, c03 10, c04 10
    assert labels(segmap) == {**dict.fromkeys(IDS[:4], "big"), **dict.fromkeys(IDS[4:], "rest")}
    with pytest.warns(InputWarning, match=r"map 'account_size' has no strategy in 'zh' for the segments big, rest"):
        table = playbook.playbook("account_size", segmap.sizes, "zh")
    assert table["actions"].tolist() == [catalogue("zh")["value.playbook_missing.actions"]] * 2
    assert table["kpi"].tolist() == ["—", "—"]
    assert table["customers"].tolist() == [4, 6]  # the segment's numbers stay beside the text


def test_a_strategy_file_gives_the_user_map_its_strategy_and_keeps_the_built_in_ones(strategy_file):
    segs = pd.DataFrame({"key": ["big", "rest"]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = playbook.playbook("account_size", segs, "en", strategy=strategy_file)
        zh = playbook.playbook("account_size", segs, "zh", strategy=strategy_file)
        tiers = playbook.playbook("value_tier", pd.DataFrame({"key": ["A", "B", "C"]}), "en", strategy=strategy_file)
    assert table["actions"].tolist() == ["Visit twice a year; Annual plan", "Newsletter"]
    assert table["kpi"].tolist() == ["Revenue kept", "Cost to serve"]
    assert zh["actions"].tolist()[0] == "每年拜访两次；年度计划"
    assert tiers["actions"].str.startswith("Dedicated account management").tolist() == [True, False, False]
    book = playbook.load_playbook(strategy=strategy_file)
    assert {"rfm10", "value_tier", "strategic_tier", "account_size"} <= set(book)


def test_a_strategy_file_replaces_one_built_in_segment_only(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text('strategic_tier:\n  key:\n    en: {actions: ["Quarterly review"], kpi: "Growth"}\n', encoding="utf-8")
    table = playbook.playbook("strategic_tier", maps._catalogue(STRATEGIC_TIERS), "en", strategy=path).set_index("key")
    assert table.loc["key", "actions"] == "Quarterly review"
    assert "Dedicated account manager" in table.loc["strategic", "actions"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("account_size: [1, 2]\n", "mine.yaml: map 'account_size': expected a mapping of segment keys"),
        ("account_size:\n  big: {en: {actions: x, kpi: y}}\n", "segment 'big', en: 'actions' must be a list"),
        ("account_size:\n  big: {en: {actions: [x]}}\n", "segment 'big', en: 'kpi' must be a text"),
        ("account_size: {big: [x]\n", "mine.yaml: not valid YAML"),
    ],
)
def test_malformed_strategy_file_is_input_error_naming_file_map_and_segment(tmp_path, text, message):
    path = tmp_path / "mine.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        playbook.playbook("account_size", pd.DataFrame({"key": ["big"]}), "en", strategy=path)


def test_missing_strategy_file_is_input_error(tmp_path):
    with pytest.raises(InputError, match="nope.yaml: playbook file not found"):
        playbook.load_playbook(strategy=tmp_path / "nope.yaml")


# ------------------------------------------------------------------------------- the Segmenter


def test_segmenter_with_four_named_tiers_the_strategic_map_and_a_rule_map(rules_file):
    segmenter = Segmenter(tier_cuts=(0.5, 0.8, 0.95), tier_names=("vip", "large", "medium", "small"), rules_path=rules_file)
    seg = segmenter.fit(customers(), as_of="2024-07-01").segmentation_
    assert list(seg.maps) == ["rfm10", "eight_class", "value_tier", "strategic_tier", "aov_tier", "account_size"]
    rename = {"A": "vip", "B": "large", "C": "medium", "D": "small"}
    assert labels(seg.maps["value_tier"]) == {k: rename[v] for k, v in FOUR_TIERS.items()}
    # the strategic scheme keeps its own cuts (0.80 / 0.95), whatever the tier cuts
    assert labels(seg.maps["strategic_tier"]) == {
        k: {"A": "strategic", "B": "key", "C": "ordinary"}[v] for k, v in THREE_TIERS.items()
    }
    assert segmenter.tier_cuts_ == (0.5, 0.8, 0.95) and segmenter.tier_names_ == ("vip", "large", "medium", "small")
    assert {"strategic_tier", "account_size", "value_tier"} <= set(seg.table.columns)
    # the built-in rfm10 stays when the rule file has none
    assert segmenter.rules_.name == "rfm10" and "champions" in set(seg.maps["rfm10"].segments["key"])


def test_segmenter_state_restores_through_json_as_the_prepared_run_does(rules_file):
    from segkit.pipeline.prepared import PreparedRun

    fitted = Segmenter(tier_cuts=(0.5, 0.8, 0.95), tier_names=("vip", "large", "medium", "small"), rules_path=rules_file)
    fitted.fit(customers(), as_of="2024-07-01")
    state = json.loads(json.dumps(fitted.state()))
    assert state["params"]["tier_cuts"] == [0.5, 0.8, 0.95] and state["tier_names"] == ["vip", "large", "medium", "small"]
    assert state["rule_maps"] == ["account_size"]

    class Stored:  # what PreparedRun.segmenter reads: the stored settings and the customer table
        settings = {"segmenter": state, "as_of": "2024-07-01"}
        customer_table = customers()
        as_of = pd.Timestamp("2024-07-01")

    restored = PreparedRun.segmenter.func(Stored())
    assert restored.tier_cuts == (0.5, 0.8, 0.95) and restored.tier_names == ("vip", "large", "medium", "small")
    for name, segmap in fitted.segmentation_.maps.items():
        assert labels(restored.segmentation_.maps[name]) == labels(segmap), name
    # a run prepared before tier names existed has none in its state: the A, B, C default
    old = {**state, "params": {k: v for k, v in state["params"].items() if k != "tier_names"}}
    Stored.settings = {"segmenter": {**old, "params": {**old["params"], "tier_cuts": [0.8, 0.95], "rules_path": None}}}
    assert PreparedRun.segmenter.func(Stored()).tier_names_ == ("A", "B", "C")


def test_strategic_map_migrates_on_the_same_scale():
    from segkit.value.transitions import migrate_snapshot

    seg = Segmenter().fit(customers(), as_of="2024-07-01").segmentation_
    # Earlier: revenue reversed (c01 1 ... c10 40). Before shares, highest first:
    #   c10 .00  c09 .40  c07 .60  c08 .70 -> strategic;  c05 .80  c06 .85  c04 .90  c03 .94 -> key;  c02 .97  c01 .99 -> ordinary
    earlier = customers(REVENUE[::-1], last="2024-05-20")
    then = seg.segmenter.transform(earlier, as_of=pd.Timestamp("2024-06-01"))
    assert labels(then.maps["strategic_tier"]) == {
        **dict.fromkeys(["c07", "c08", "c09", "c10"], "strategic"),
        **dict.fromkeys(["c03", "c04", "c05", "c06"], "key"),
        **dict.fromkeys(["c01", "c02"], "ordinary"),
    }
    moved = migrate_snapshot(earlier, seg, as_of=pd.Timestamp("2024-06-01"), map_name="strategic_tier")
    # now: c01..c04 strategic (up: c01, c02 from ordinary, c03, c04 from key), c05 c06 key (stayed),
    # c07 c08 key (down from strategic), c09 c10 ordinary (down from strategic)
    moves = dict(zip(moved.moves["direction"], moved.moves["customers"]))
    assert (moves["upgraded"], moves["stayed"], moves["downgraded"], moves.get("new", 0)) == (4, 2, 4, 0)


def test_rule_map_may_not_take_a_built_in_name(tmp_path):
    path = tmp_path / "clash.yaml"
    path.write_text(RULES.replace("account_size:", "strategic_tier:"), encoding="utf-8")
    with pytest.raises(InputError, match="clash.yaml: map 'strategic_tier' is a built-in map's name"):
        Segmenter(rules_path=path).fit(customers(), as_of="2024-07-01")


def test_segmenter_rejects_names_that_do_not_fit_the_cuts():
    with pytest.raises(InputError, match="Segmenter: tier_cuts / tier_names: 2 cuts make 3 tiers, but 4 names"):
        Segmenter(tier_names=("vip", "large", "medium", "small")).fit(customers(), as_of="2024-07-01")


# ------------------------------------------------------------------------ the run config


@pytest.fixture
def project(tmp_path):
    """A project with one notebook and one input; the config sits in configs/, beside its rule and strategy files."""
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "01-tiny.py").write_text('# %% tags=["parameters"]\nlanguage: str = "en"\n', encoding="utf-8")
    (tmp_path / "t.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    configs = tmp_path / "configs"
    configs.mkdir()
    (configs / "my_rules.yaml").write_text(RULES, encoding="utf-8")
    (configs / "my_strategy.yaml").write_text(STRATEGY, encoding="utf-8")

    def config(segments: str) -> Path:
        path = configs / "run.yaml"
        base = f"run_id: tiny\nbase_dir: {tmp_path}\ninputs:\n  transactions: {{path: t.csv, preset: demo}}\n"
        path.write_text(base + textwrap.dedent(segments), encoding="utf-8")
        return path

    return configs, config


def test_config_segments_are_checked_resolved_and_stored(project):
    from segkit.pipeline.config import load_config

    configs, config = project
    loaded = load_config(
        config("""
        segments:
          tier_cuts: [0.5, 0.8, 0.95]
          tier_names: [vip, large, medium, small]
          rules: my_rules.yaml
          strategy: my_strategy.yaml
        """)
    )
    s = loaded.segments
    assert s.tier_cuts == (0.5, 0.8, 0.95) and s.tier_names == ("vip", "large", "medium", "small")
    # relative to the config's folder (configs/), not to base_dir
    assert s.rules == (configs / "my_rules.yaml").resolve() and s.strategy == (configs / "my_strategy.yaml").resolve()
    assert s.segmenter_options() == {"tier_cuts": (0.5, 0.8, 0.95), "tier_names": s.tier_names, "rules_path": s.rules}
    segmenter = Segmenter(**s.segmenter_options()).fit(customers(), as_of="2024-07-01")
    assert labels(segmenter.segmentation_.maps["value_tier"])["c09"] == "small"


def test_config_without_segments_keeps_the_defaults(project):
    from segkit.pipeline.config import load_config

    _, config = project
    s = load_config(config("")).segments
    assert (s.tier_cuts, s.tier_names, s.rules, s.strategy) == ((0.80, 0.95), None, None, None)
    assert Segmenter(**s.segmenter_options()).get_params() == Segmenter().get_params()


@pytest.mark.parametrize(
    ("segments", "message"),
    [
        ("segments: [0.8]\n", "run.yaml: segments must be a mapping"),
        ("segments: {tier_cut: [0.8]}\n", re.escape("run.yaml: segments: unknown key 'tier_cut' (did you mean 'tier_cuts'?)")),
        ("segments: {tier_cuts: 0.8}\n", "run.yaml: segments.tier_cuts must be a list of numbers"),
        ("segments: {tier_cuts: [0.8, yes]}\n", "run.yaml: segments.tier_cuts must be a list of numbers"),
        (
            "segments: {tier_cuts: [0.9, 0.8]}\n",
            re.escape("run.yaml: segments.tier_cuts / tier_names: cuts (0.9, 0.8) must increase"),
        ),
        ("segments: {tier_cuts: [0.5, 1.5]}\n", "last cut <= 1"),
        ("segments: {tier_names: vip}\n", "run.yaml: segments.tier_names must be a list of texts"),
        ("segments: {tier_names: [vip, large]}\n", "2 cuts make 3 tiers, but 2 names are given"),
        ("segments: {tier_names: [a, a, b]}\n", "must be distinct"),
        ("segments: {rules: nope.yaml}\n", "run.yaml: segments.rules: .*nope.yaml: file not found"),
        ("segments: {rules: 3}\n", "run.yaml: segments.rules must be a file path"),
        ("segments: {strategy: nope.yaml}\n", "run.yaml: segments.strategy: .*nope.yaml: file not found"),
        ("segments: {rules: bad_rules.yaml}\n", "run.yaml: segments.rules: bad_rules.yaml: map 'broken' needs 'segments'"),
        ("segments: {rules: clash.yaml}\n", "run.yaml: segments.rules: clash.yaml: map 'value_tier' is a built-in map's name"),
        (
            "segments: {strategy: bad_strategy.yaml}\n",
            "run.yaml: segments.strategy: bad_strategy.yaml: map 'x', segment 'y', en: 'kpi'",
        ),
    ],
)
def test_config_segment_errors_name_the_config_and_the_key(project, segments, message):
    from segkit.pipeline.config import load_config

    configs, config = project
    (configs / "bad_rules.yaml").write_text("broken: {title: {en: B}}\n", encoding="utf-8")
    (configs / "clash.yaml").write_text(RULES.replace("account_size:", "value_tier:"), encoding="utf-8")
    (configs / "bad_strategy.yaml").write_text("x:\n  y:\n    en: {actions: [a]}\n", encoding="utf-8")
    with pytest.raises(InputError, match=message):
        load_config(config(segments))


def test_the_report_reads_any_number_of_tiers_in_words():
    from segkit.reporting.report import Report
    from segkit.reporting.value_report import tier_bands

    tiers = value_tiers(features(), cuts=(0.5, 0.8, 0.95), names=("vip", "large", "medium", "small"))
    assert tier_bands(tiers.keys, tiers.cuts, tiers.map, Report("en")) == (
        "VIP = the customers that make up the first 50.0% of revenue, Large = the next 30.0%, "
        "Medium = the next 15.0%, Small = the rest"
    )
    default = value_tiers(features())
    assert tier_bands(default.keys, default.cuts, default.map, Report("zh")) == (
        "A类：高价值 = 贡献前 80.0% 收入的客户，B类：中价值 = 接下来的 15.0%，C类：低价值 = 其余客户"
    )


def test_value_report_playbook_shows_every_map_a_user_map_without_strategy_and_the_strategy_file(
    tmp_path, rules_file, strategy_file, monkeypatch
):
    """The report as a run prepared with segments.rules / segments.strategy shows it (settings as prepare stores them)."""
    from segkit.pipeline.config import InputFile
    from segkit.pipeline.prepare import prepare
    from segkit.reporting import report
    from segkit.reporting.report import Report
    from segkit.reporting.value_report import ValueReport

    shown: list = []
    monkeypatch.setattr(report, "display", lambda obj, raw=False, **_: shown.append(obj if raw else getattr(obj, "data", obj)))
    lines = pd.DataFrame(  # two orders per customer (so the churn threshold can be derived), half the revenue each
        {
            "customer_id": IDS * 2,
            "order_id": [f"o{i}" for i in range(20)],
            "order_date": ["2024-03-01"] * 10 + ["2024-06-20"] * 10,
            "product_id": "p",
            "quantity": 1,
            "unit_price": [r / 2 for r in REVENUE] * 2,
        }
    )
    lines.to_csv(tmp_path / "lines.csv", index=False)
    mapping = {k: k for k in lines.columns}
    inputs = {"transactions": InputFile(path=tmp_path / "lines.csv", mapping=mapping)}
    run = prepare(inputs, tmp_path / "prepared", engine="pandas", value_clusters={"method": "none"})
    assert run.errors == {}

    def html(language: str) -> str:
        shown.clear()
        run.__dict__.pop("segmenter", None)  # refit with the settings below
        ValueReport(Report(language), run).playbook()
        return "".join(s for s in shown if isinstance(s, str))

    run.settings["segmenter"]["params"]["rules_path"] = str(rules_file)
    with pytest.warns(InputWarning, match="'account_size'"):
        page = html("en")
    for title in ("10-segment RFM map", "Value tiers (Pareto / ABC)", "Strategic, key and ordinary customers", "Account size"):
        assert f">{title}</h3>" in page
    assert "No strategy given for this segment" in page and "Dedicated account manager" in page
    run.settings["strategy"] = str(strategy_file)
    with warnings.catch_warnings():
        warnings.simplefilter("error", InputWarning)
        page = html("zh")
    assert ">客户规模</h3>" in page and "每年拜访两次" in page and "尚无策略" not in page


@pytest.mark.slow
def test_a_zh_run_with_four_abcd_tiers_and_the_strategic_scheme_end_to_end(tmp_path):
    """The issue's end-to-end case: a config with ABCD cuts, in Chinese, through prepare, 02 and the export."""
    from segkit import datasets
    from segkit.pipeline.run import run

    raw = tmp_path / "raw"
    datasets.write_demo(raw, customers=300, seed=7)
    config = tmp_path / "zh.yaml"
    config.write_text(
        textwrap.dedent(
            f"""\
            run_id: abcd-zh
            language: zh
            notebooks_dir: {Path(__file__).resolve().parents[1] / "notebooks"}
            reports_dir: {tmp_path / "reports"}
            processed_dir: {tmp_path / "processed"}
            notebooks: [02-customer-value]
            segments: {{tier_cuts: [0.5, 0.8, 0.95]}}
            inputs:
              transactions: {{path: {raw / "transactions.csv"}, preset: demo}}
              customers: {{path: {raw / "customers.csv"}}}
            """
        ),
        encoding="utf-8",
    )
    with open(tmp_path / "run.log", "w") as log:
        assert run(config, out=log) == 0, (tmp_path / "run.log").read_text()
    export = pd.read_parquet(tmp_path / "processed" / "abcd-zh" / "customer_segments.parquet")
    buyers = export.dropna(subset=["value_tier"])
    assert set(buyers["value_tier"]) == {"A", "B", "C", "D"}
    assert set(buyers["strategic_tier"]) == {"strategic", "key", "ordinary"}
    assert set(buyers["strategic_tier_label"]) == {"战略客户", "重要客户", "普通客户"}
    # the tiers follow the cuts: A is the smallest top group reaching 50 % of revenue
    by_revenue = buyers.sort_values(["revenue", "customer_id"], ascending=[False, True])
    before = (by_revenue["revenue"].clip(lower=0).cumsum() - by_revenue["revenue"].clip(lower=0)) / by_revenue["revenue"].clip(
        lower=0
    ).sum()
    expected = pd.cut(before, [-1, 0.5, 0.8, 0.95, 2], right=False, labels=list("ABCD")).astype("str")
    assert (by_revenue["value_tier"] == expected).all()
    page = (tmp_path / "reports" / "abcd-zh" / "02-customer-value.html").read_text(encoding="utf-8")
    assert "战略客户" in page and "购买力与盈利能力" in page and "D类" in page
    assert "按 RFM 八类客户划分的毛利" in page and "交易数据中没有商品成本" not in page  # the demo has a unit cost
    assert "Executive summary" not in page
