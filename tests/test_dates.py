"""Tests for utils.dates: the CLDR renderings, the unambiguous two-digit-year window, the split held out before
training, prefix-stable examples and the checksum that pins the data across babel versions (Colab's and ours)."""

from __future__ import annotations

import datetime as dt

import pytest

from utils import dates as D


def test_renderings_follow_cldr():
    d = dt.date(2021, 3, 3)
    assert D.render(d, "en_US", "long") == "March 3, 2021"
    assert D.render(d, "en_US", "full") == "Wednesday, March 3, 2021"
    assert D.render(d, "en_US", "numeric yy") == "3/3/21"
    assert D.render(d, "ru_RU", "numeric yyyy") == "03.03.2021"
    assert D.render(d, "ru_RU", "full") == "среда, 3 марта 2021\u202fг."
    assert D.to_iso(d) == "2021-03-03"
    with pytest.raises(ValueError, match="locale"):
        D.render(d, "en_GB", "long")
    with pytest.raises(ValueError, match="family"):
        D.render(d, "en_US", "tiny")
    with pytest.raises(ValueError, match="YEAR_WINDOW"):
        D.render(dt.date(2050, 1, 1), "en_US", "long")


def test_two_digit_years_are_unambiguous_inside_the_window():
    dates = [
        dt.date(y, m, d) for y in (1950, 1999, 2000, 2049) for m in (1, 2, 12) for d in (1, 2, 12)
    ]
    assert D.check_unambiguous(dates) > len(dates)
    from babel.dates import (
        format_date,
    )  # outside the window "3/3/21" would be two dates: why it exists

    assert format_date(dt.date(1921, 3, 3), "short", locale="en_US") == D.render(
        dt.date(2021, 3, 3), "en_US", "numeric yy"
    )


def test_split_holds_out_dates_and_a_year_block():
    split, block = D.split_dates(seed=0)
    train, val, test = (set(split[name]) for name in ("train", "validation", "test"))
    assert not train & val and not train & test and not val & test
    assert len(train | val | test) == len(D.date_window())
    assert block[1] - block[0] == 2 and D.YEAR_WINDOW[0] < block[0]
    assert not any(block[0] <= d.year <= block[1] for d in train)
    assert any(block[0] <= d.year <= block[1] for d in val) and any(
        block[0] <= d.year <= block[1] for d in test
    )
    assert D.split_dates(seed=0) == (split, block)


def test_examples_are_prefix_stable_and_well_formed():
    split, _ = D.split_dates(seed=0)
    many = D.make_examples(split["train"], 40, ks=(1, 2, 3), seed=5)
    assert D.make_examples(split["train"], 15, ks=(1, 2, 3), seed=5) == many[:15]
    for ex in many:
        assert ex["source"].count(D.DELIMITER) == ex["k"] - 1
        assert len(ex["target"]) == 11 * ex["k"] - 1
        if ex["k"] == 1:
            assert ex["family"] in D.FAMILIES
    with pytest.raises(ValueError, match="ks"):
        D.make_examples(split["train"], 3, ks=())


def test_checksum_pins_the_data():
    """Fails when a babel version renders a date differently or the generation changes (babel 2.18 = 2.19)."""
    assert D.data_checksum() == D.DATA_SHA256
