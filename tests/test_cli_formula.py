"""``partial-pooling fit --formula``: the written conditional modes against `partial_pooling.fit`
called directly (equal to the last bit: the CSV stores floats in round-trip form), against lme4
(tests/data/mixed_lme4.json, written by tests/data/mixed_lme4.R), the singular-fit warning line,
and bad input: exit status 2 and one line on stderr naming the problem, never a traceback.
"""

from __future__ import annotations

import json
import re
import shlex
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import partial_pooling as pp
from partial_pooling import datasets
from partial_pooling.cli import DATASETS, main

LME4 = json.loads((Path(__file__).parent / "data" / "mixed_lme4.json").read_text())


def export(name: str, folder: Path) -> Path:
    path = folder / f"{name}.csv"
    assert main(["datasets", name, "--out", str(path)]) == 0
    return path


def run(tmp_path: Path, name: str, formula: str, *extra: str) -> pd.DataFrame:
    data = export(name, tmp_path)
    out = tmp_path / "modes.csv"
    assert main(["fit", str(data), "--formula", formula, "--out", str(out), *extra]) == 0
    return pd.read_csv(out, dtype={"term": str, "level": str}, keep_default_na=False)


@pytest.mark.parametrize("name", ["penicillin", "pastes", "orthodont", "oats"])
def test_the_suggested_formula_writes_the_direct_fits_modes(tmp_path, name, capsys):
    formula = DATASETS[name].formula
    written = run(tmp_path, name, formula)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        direct = pp.fit(formula, datasets.load(name))
    table = direct.group_table()
    assert list(written.columns) == list(table.columns)
    assert written["term"].tolist() == table["term"].tolist()
    assert written["level"].tolist() == table["level"].astype(str).tolist()
    modes = [c for c in table.columns if c.startswith("b_")]
    np.testing.assert_array_equal(written[modes].to_numpy(), table[modes].to_numpy(float))
    out = capsys.readouterr().out
    assert "Linear mixed model fit by REML" in out
    assert f"{direct.loglik:.4f}" in out


def test_crossed_factors_reach_lme4s_optimum(tmp_path, capsys):
    ref = LME4["penicillin"]["REML"]
    run(tmp_path, "penicillin", "diameter ~ 1 + (1 | plate) + (1 | sample)")
    out = capsys.readouterr().out
    loglik = float(out.split("REML log-likelihood:")[1].split()[0])
    assert loglik == pytest.approx(-0.5 * ref["tight_deviance"], abs=1e-4)  # 4 decimals shown


def test_ml_and_text_factors_in_the_fixed_part(tmp_path, capsys):
    written = run(
        tmp_path, "orthodont", "distance ~ age + C(Sex) + (1 | Subject)", "--method", "ML"
    )
    direct = pp.fit("distance ~ age + C(Sex) + (1 | Subject)", datasets.orthodont(), method="ML")
    assert direct.route == "random_intercept"
    np.testing.assert_array_equal(
        written["b_(Intercept)"].to_numpy(), direct.group_table()["b_(Intercept)"].to_numpy()
    )
    assert "Log-likelihood (ML)" in capsys.readouterr().out


def test_a_singular_fit_ends_with_a_warning_line(tmp_path, capsys):
    run(tmp_path, "oats", "yield ~ nitro + (nitro | Block)")
    out = capsys.readouterr().out
    assert "boundary (singular) fit" in out
    assert out.rstrip().splitlines()[-1].startswith("Warning: boundary (singular) fit")


def test_the_existing_fit_reports_a_singular_fit_too(tmp_path, capsys):
    data = export("dyestuff2", tmp_path)
    argv = ["fit", str(data), "--y", "Yield", "--group", "Batch", "--out", str(tmp_path / "e.csv")]
    assert main(argv) == 0
    assert "Warning: boundary (singular) fit" in capsys.readouterr().out


def test_the_suggested_command_is_one_the_shell_reads_back(tmp_path, capsys):
    export("pastes", tmp_path)
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("Try: "))
    words = shlex.split(line.removeprefix("Try: "))
    assert words[words.index("--formula") + 1] == DATASETS["pastes"].formula


def _fails(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    return err


@pytest.mark.parametrize(
    ("formula", "extra", "message"),
    [
        ("yield ~ nitro + (1 | Blok)", [], r"no column 'Blok' \(--formula\).*did you mean 'Block'"),
        ("yield ~ nitro + (1 | Block", [], "character 17 of .*never closed"),
        ("yield ~ nitro", [], "has no random term"),
        ("yield ~ nitro + (1 | Block)", ["--y", "yield"], "drop --y"),
        ("yield ~ nitro + (1 | Block)", ["--plot", "figs"], "not available with --formula"),
        ("yield ~ nitro + (Block | Block)", [], "constant within every level"),
        ("yield ~ nitro + (1 | one)", [], "only one level"),
    ],
)
def test_bad_formulas_are_one_line_naming_the_problem(tmp_path, capsys, formula, extra, message):
    data = export("oats", tmp_path)
    frame = pd.read_csv(data).assign(one="x")
    frame.to_csv(data, index=False)
    capsys.readouterr()
    out = str(tmp_path / "out.csv")
    err = _fails(["fit", str(data), "--formula", formula, "--out", out, *extra], capsys)
    assert re.search(message, err), err
    assert not Path(out).exists()


def test_the_input_is_never_the_output(tmp_path, capsys):
    data = export("oats", tmp_path)
    before = data.read_bytes()
    formula = "yield ~ nitro + (1 | Block)"
    err = _fails(["fit", str(data), "--formula", formula, "--out", str(data), "--force"], capsys)
    assert "is the input file" in err
    assert data.read_bytes() == before


def test_without_formula_y_and_group_are_required(tmp_path, capsys):
    data = export("oats", tmp_path)
    err = _fails(["fit", str(data), "--y", "yield"], capsys)
    assert "--group is required (or give the model as --formula)" in err


def test_a_missing_value_names_its_line(tmp_path, capsys):
    data = export("oats", tmp_path)
    frame = pd.read_csv(data)
    frame["nitro"] = frame["nitro"].astype(object)
    frame.loc[4, "nitro"] = "NA"
    frame.to_csv(data, index=False)
    capsys.readouterr()
    out = str(tmp_path / "out.csv")
    err = _fails(
        ["fit", str(data), "--formula", "yield ~ nitro + (1 | Block)", "--out", out], capsys
    )
    assert "column 'nitro' has 1 missing value(s), in line(s) [6]" in err
