"""Pseudonymised ids, the PII column list, the leak scanner and secret redaction."""

import pandas as pd
import pytest

from segkit.core import privacy
from segkit.core.errors import InputError


def test_pseudonym_is_hmac_sha256_rfc4231_case_2():
    # RFC 4231 test case 2: HMAC-SHA256(key="Jefe", "what do ya want for nothing?")
    # = 5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843; we keep 24 hex digits.
    ids = pd.Series(["what do ya want for nothing?"])
    assert privacy.pseudonymize(ids, key="Jefe").tolist() == ["P-5bdcc146bf60754e6a042426"]


def test_pseudonyms_have_96_bits_negligible_collisions_at_a_billion_ids():
    bits = 4 * privacy._DIGEST_CHARS
    assert bits == 96
    assert (1e9) ** 2 / 2 ** (bits + 1) < 1e-11  # birthday bound, ~6e-12
    out = privacy.pseudonymize(pd.Series([f"CU{i:05d}" for i in range(2000)]), key="k")
    assert out.str.fullmatch(r"P-[0-9a-f]{24}").all() and out.nunique() == 2000


def test_two_ids_sharing_a_pseudonym_raise_instead_of_merging(monkeypatch):
    monkeypatch.setattr(privacy, "_DIGEST_CHARS", 1)  # 16 pseudonyms: 40 ids must collide
    ids = pd.Series([f"CU{i:05d}" for i in range(40)] + ["CU00000"])
    with pytest.raises(InputError, match="different ids got only") as caught:
        privacy.pseudonymize(ids, key="k")
    assert "CU000" not in str(caught.value)  # the message never names the ids
    same = pd.Series(["CU00001", "CU00001", 7, "7"], dtype="object")  # equal texts are one id, not a collision
    assert privacy.pseudonymize(same, key="k").nunique() == 2


def test_pseudonyms_are_stable_per_key_and_differ_across_keys():
    ids = pd.Series(["CU00001", "CU00002", "CU00001", None], dtype="str")
    a = privacy.pseudonymize(ids, key="k1")
    assert a.iloc[0] == a.iloc[2] != a.iloc[1]
    assert pd.isna(a.iloc[3])
    assert privacy.pseudonymize(ids, key="k2").iloc[0] != a.iloc[0]
    assert not a.dropna().str.contains("CU0000").any()


def test_key_comes_from_config_then_environment_then_random(monkeypatch):
    monkeypatch.setenv(privacy.KEY_ENV, "from-env")
    assert privacy.pseudonym_key("from-config") == "from-config"
    assert privacy.pseudonym_key() == "from-env"
    monkeypatch.delenv(privacy.KEY_ENV)
    random_key = privacy.pseudonym_key()
    assert len(random_key) == 64 and random_key == privacy.pseudonym_key()  # one key per process


def test_drop_pii_removes_personal_columns_but_keeps_ids():
    frame = pd.DataFrame(columns=["customer_id", "name", "Phone", "contact_email", "city", "province"])
    assert privacy.drop_pii(frame).columns.tolist() == ["customer_id", "city", "province"]


def test_find_pii_sees_plain_and_html_escaped_values(tmp_path):
    customers = pd.DataFrame(
        {"name": ["Anne O'Brien", "何伟艳", "X"], "phone": ["13573864951", None, "1"], "email": ["a@x.cn", "b@y.cn", ""]}
    )
    values = privacy.pii_values(customers)
    assert values == {"Anne O'Brien", "何伟艳", "13573864951", "a@x.cn", "b@y.cn"}  # one-letter values skipped
    clean, leaky = tmp_path / "clean.html", tmp_path / "leaky.html"
    clean.write_text("<p>CU00001 bought 3 items</p>", encoding="utf-8")
    leaky.write_text("<td>Anne O&#x27;Brien</td><td>何伟艳</td>", encoding="utf-8")
    assert privacy.find_pii([clean, leaky], values) == {leaky: ["Anne O'Brien", "何伟艳"]}


def test_redact_hides_the_key_at_any_depth():
    config = {"run_id": "x", "pseudonymize_key": "s3cret", "inner": {"pseudonymize_key": "s3cret", "a": 1}}
    assert privacy.redact(config) == {
        "run_id": "x",
        "pseudonymize_key": "<redacted>",
        "inner": {"pseudonymize_key": "<redacted>", "a": 1},
    }
    assert config["pseudonymize_key"] == "s3cret"  # the input is not modified


@pytest.mark.parametrize("column", ["customer_id", "name_id"])
def test_id_columns_are_not_pii(column):
    assert not privacy.is_pii_column(column)
