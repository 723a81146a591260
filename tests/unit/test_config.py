"""Configuration: defaults in code, the commented TOML, --set overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from formcheck.config import Config, load_config, parse_set

DEFAULT_TOML = Path(__file__).resolve().parents[2] / "src" / "formcheck" / "default_config.toml"


def test_default_toml_equals_code_defaults() -> None:
    assert load_config(DEFAULT_TOML) == Config()


def test_set_overrides_file(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[sit_to_stand.counter]\nenter = 40\n", encoding="utf-8")
    config = load_config(path, ["sit_to_stand.counter.rest=15", "tests.five_stop=stand"])
    assert config.sit_to_stand.counter.enter == 40.0
    assert config.sit_to_stand.counter.rest == 15.0
    assert config.tests.five_stop == "stand"
    assert config.trunk_flexion == Config().trunk_flexion


@pytest.mark.parametrize(
    ("items", "message"),
    [
        (["nope.x=1"], "unknown config key 'nope'"),
        (["cleaning.lowpass_hz=fast"], "cannot read 'fast' as float"),
        (["cleaning=1"], "is a section"),
        (["tests.five_stop=later"], "five_stop must be 'seat' or 'stand'"),
        (["cleaning.min_visibility=2"], r"min_visibility must be in \[0, 1\]"),
        (["novalue"], "--set needs key=value"),
        (["trunk_flexion.counter.rest=40"], r"trunk_flexion.counter: rest must be in \(0, enter\)"),
    ],
)
def test_bad_overrides_name_the_problem(items: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_config(None, items)


def test_parse_set_nests() -> None:
    assert parse_set(["a.b.c=1", "a.d=2"]) == {"a": {"b": {"c": "1"}, "d": "2"}}


def test_bad_toml(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[cleaning\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not valid TOML"):
        load_config(path)
