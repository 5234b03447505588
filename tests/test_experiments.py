"""Tests of utils.long_deps (and its command, tools.experiments): the committed long-dependency sweep and its reproducibility."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from utils import long_deps as E

STORED = E.LONG_DEPS_CSV


@pytest.fixture(scope="module")
def stored() -> pd.DataFrame:
    return pd.read_csv(STORED)


def test_committed_sweep_has_the_columns_cells_lengths_and_seeds(stored):
    assert tuple(stored.columns) == E.LONG_DEPS_COLUMNS
    assert set(stored["cell"]) == set(E.LONG_DEPS_CELLS)
    assert stored["T"].max() >= 400
    counts = stored.groupby(["cell", "T"])["seed"].nunique()
    assert counts.min() >= 3
    # every cell at every T, except after `stop_after` consecutive T at which a majority of its seeds failed
    stop_after = json.loads(STORED.with_suffix(".json").read_text())["stop_after"]
    majority = stored.groupby(["cell", "T"])["solved"].mean() > 0.5
    for cell in E.LONG_DEPS_CELLS:
        failures = 0
        for t in sorted(stored["T"].unique()):
            if (cell, t) not in majority.index:
                assert stop_after is not None and failures >= stop_after, (
                    f"{cell} was not run at T = {t}"
                )
                continue
            failures = 0 if majority[(cell, t)] else failures + 1
    assert not stored.duplicated(["cell", "T", "seed"]).any()
    protocol = E.LongDepsProtocol()
    assert (stored["budget"] == stored["T"].map(protocol.budget)).all()
    assert (stored["updates"] <= stored["budget"]).all()
    spent = ~stored["solved"] & ~stored["diverged"]
    assert (stored.loc[spent, "updates"] == stored.loc[spent, "budget"]).all()
    assert not (stored["solved"] & stored["diverged"]).any()
    assert set(E.outcomes(stored)) <= set(E.LONG_DEPS_OUTCOMES)
    assert (stored.loc[stored["solved"], "val_mse"] < protocol.success_mse).all()
    assert stored["params"].between(1150, 1250).all()  # about equal parameter counts


def test_committed_sweep_records_how_it_was_made():
    meta = json.loads(STORED.with_suffix(".json").read_text())
    assert meta["wall_seconds"] > 0 and meta["cpu_seconds"] > 0
    assert meta["protocol"] == json.loads(json.dumps(E.LongDepsProtocol().__dict__))
    curves = pd.read_csv(STORED.with_name(STORED.stem + "_curves.csv"))
    assert tuple(curves.columns) == E.LONG_DEPS_CURVE_COLUMNS
    last = curves.groupby(["cell", "T", "seed"])["update"].max()
    rows = pd.read_csv(STORED).set_index(["cell", "T", "seed"])
    assert last.index.sort_values().equals(rows.index.sort_values())  # a curve for every run
    # every run, diverged ones included, stores the updates it actually trained: its curve's last check
    assert (last.reindex(rows.index) == rows["updates"]).all()
    diverged = rows[rows["diverged"]]
    assert (
        curves.set_index(["cell", "T", "seed", "update"])
        .loc[[(*k, u) for k, u in zip(diverged.index, diverged["updates"], strict=True)], "val_mse"]
        .isna()
        .all()
    )
    derived = {
        (r["cell"], r["T"], r["seed"]): r["updates_trained"] for r in meta["derived"]["rows"]
    }
    # the JSON says which rows were derived
    assert derived == {k: int(u) for k, u in diverged["updates"].items()}


def _without_time(row: dict) -> dict:
    return {k: v for k, v in row.items() if k != "seconds"}


def test_a_stored_row_is_regenerated_exactly(stored):
    E._TRAINERS.clear()
    row, curve = E.run_one("GRU", 10, 0)  # the cheapest run of the sweep
    want = (
        stored[(stored["cell"] == "GRU") & (stored["T"] == 10) & (stored["seed"] == 0)]
        .iloc[0]
        .to_dict()
    )
    got = _without_time(row)
    assert got["solved"] == bool(want["solved"]) and got["updates"] == want["updates"]
    for key in ("val_mse", "test_mse"):
        assert got[key] == pytest.approx(want[key], rel=1e-6, abs=1e-9), key
    assert curve[0]["update"] == 0 and curve[-1]["update"] == row["updates"]


def test_a_diverged_run_is_stored_with_the_updates_it_trained(stored):
    E._TRAINERS.clear()
    # diverges at the first check
    row, curve = E.run_one("IRNN", 200, 1, E.LongDepsProtocol(max_updates=200))
    assert row["diverged"] and not row["solved"] and E.outcome(row) == "diverged"
    assert row["updates"] == curve[-1]["update"] == 50 < row["budget"]
    assert np.isnan(curve[-1]["val_mse"]) and np.isfinite(curve[-2]["val_mse"])
    want = stored[(stored["cell"] == "IRNN") & (stored["T"] == 200) & (stored["seed"] == 1)].iloc[0]
    # the stored row says the same
    assert bool(want["diverged"]) and want["updates"] == row["updates"]
    with pytest.raises(ValueError, match="both solved and diverged"):
        E.outcome({"solved": True, "diverged": True})


def test_two_live_sweeps_give_identical_rows(tmp_path):
    protocol = E.LongDepsProtocol(max_updates=100)
    first = E.sweep(
        ["SimpleRNN", "LSTM-chrono"],
        [8],
        [0, 1],
        tmp_path / "a.csv",
        protocol=protocol,
        verbose=False,
    )
    E._TRAINERS.clear()
    second = E.sweep(
        ["SimpleRNN", "LSTM-chrono"],
        [8],
        [0, 1],
        tmp_path / "b.csv",
        protocol=protocol,
        verbose=False,
    )
    assert len(first) == 4
    pd.testing.assert_frame_equal(first.drop(columns="seconds"), second.drop(columns="seconds"))


def test_reach_needs_a_majority_at_every_shorter_length():
    runs = pd.DataFrame(
        [
            ("A", t, s, ok)
            for t, oks in {10: [1, 1, 0], 20: [1, 0, 0], 40: [1, 1, 1]}.items()
            for s, ok in enumerate(oks)
        ]
        + [
            ("B", t, s, ok)
            for t, oks in {10: [0, 0, 1], 20: [1, 1, 1]}.items()
            for s, ok in enumerate(oks)
        ],
        columns=["cell", "T", "seed", "solved"],
    )
    assert E.reach(runs, "A") == 10  # one lucky run at T = 40 does not count past the failure at 20
    assert E.reach(runs, "B") is None
    with pytest.raises(ValueError, match="cell"):
        E.reach(runs, "C")


def test_protocol_budget_and_validation():
    p = E.LongDepsProtocol()
    assert p.budget(10) == 2150 and p.budget(400) == 8000 and p.budget(400) % p.eval_every == 0
    assert E.LongDepsProtocol(max_updates=120).budget(400) == 150
    assert p.success_mse == pytest.approx(1 / 60)
    with pytest.raises(ValueError, match="n_test"):
        E.LongDepsProtocol(n_val=300, n_test=1000)
    with pytest.raises(ValueError, match="cell"):
        E.run_one("RNN", 10, 0)


def test_models_have_about_equal_parameter_counts():
    counts = {c: E.build_model(c, 12, 0).count_params() for c in E.LONG_DEPS_CELLS}
    assert max(counts.values()) / min(counts.values()) < 1.03
    irnn = E.build_model("IRNN", 12, 0).layers[0]
    np.testing.assert_array_equal(
        np.asarray(irnn.cell.recurrent_kernel), np.eye(E.LONG_DEPS_UNITS["IRNN"])
    )
    assert irnn.cell.activation.__name__ == "relu"
