"""The message catalogues: every file in i18n/en has a twin in i18n/zh with exactly the same keys."""

import re
import string
from importlib import resources

import pytest
import yaml

from segkit.reporting.i18n import LANGUAGES, _flatten, catalogue, message

FOLDER = resources.files("segkit.reporting.i18n")


def _files(language: str) -> dict[str, dict]:
    return {
        entry.name: yaml.safe_load(entry.read_text(encoding="utf-8")) or {}
        for entry in (FOLDER / language).iterdir()
        if entry.name.endswith(".yaml")
    }


def test_both_languages_have_the_same_files():
    assert sorted(_files("en")) == sorted(_files("zh"))


@pytest.mark.parametrize("name", sorted(_files("en")))
def test_each_file_has_the_same_keys_in_both_languages(name):
    en, zh = (_flatten(_files(lang).get(name, {})) for lang in LANGUAGES)
    assert sorted(set(en) - set(zh)) == [], f"zh/{name} lacks these keys"
    assert sorted(set(zh) - set(en)) == [], f"en/{name} lacks these keys"


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_file_holds_one_section_named_after_it(language):
    for name, tree in _files(language).items():
        assert list(tree) == [name.removesuffix(".yaml")], f"{language}/{name}"


def test_placeholders_agree_between_languages():
    """A translation that drops or renames {placeholder} would raise (or lose a number) at run time."""
    en, zh = catalogue("en"), catalogue("zh")

    def fields(text: str) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(text) if f}

    wrong = {key: (fields(en[key]), fields(zh[key])) for key in en if key in zh and fields(en[key]) != fields(zh[key])}
    assert wrong == {}


def test_chinese_catalogue_is_chinese():
    """Every zh message of this issue's files has Chinese characters (none left in English by mistake)."""
    han = re.compile(r"[\u4e00-\u9fff]")
    for name in ("core.yaml", "quality.yaml"):
        for key, text in _flatten(_files("zh")[name]).items():
            if key.startswith(("core.provenance.", "core.footer")) and not han.search(text):
                continue
            assert han.search(text) or not re.search(r"[A-Za-z]{4,}", text.replace("segkit", "")), f"{key}: {text!r}"


def test_message_fills_placeholders_and_names_missing_keys():
    assert message("en", "core.table_cut", shown="20", total="1,234") == "Showing the first 20 of 1,234 rows."
    assert message("zh", "core.table_cut", shown="20", total="1,234") == "仅显示前 20 行，共 1,234 行。"
    with pytest.raises(KeyError, match="core.nope"):
        message("en", "core.nope")
