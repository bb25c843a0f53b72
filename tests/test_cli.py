"""The command line: its per-group CSV against the package and statsmodels, bad input, exports.

The estimates the CLI writes are compared with `fit_random_intercept` called directly (the
partial-pooling intercepts must be equal to the last bit, since the CSV stores floats in
round-trip form) and with independent computations: statsmodels' MixedLM fitted tightly and
statsmodels' OLS through `partial_pooling.crosscheck`, and a dummy-variable least-squares fit
in numpy for no pooling. Bad input must give exit status 2 and one line on stderr naming the
file or column, never a traceback.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import partial_pooling as pp
from partial_pooling import crosscheck, datasets
from partial_pooling.cli import DATASETS, main

COLUMNS = ["group", "n_j", "ybar_j", "ybar_adj_j", "lambda_j", "alpha_j", "cond_sd_j"]


def read_estimates(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"group": str}).set_index("group")


def export(name: str, folder: Path) -> Path:
    path = folder / f"{name}.csv"
    assert main(["datasets", name, "--out", str(path)]) == 0
    return path


def run_fit(tmp_path: Path, name: str, *extra: str) -> pd.DataFrame:
    entry = DATASETS[name]
    data = export(name, tmp_path)
    out = tmp_path / "estimates.csv"
    argv = ["fit", str(data), "--y", entry.y, "--group", entry.group, "--out", str(out)]
    if entry.x:
        argv += ["--x", *entry.x]
    assert main([*argv, *extra]) == 0
    return read_estimates(out)


def statsmodels_alpha(
    data: pd.DataFrame, y: str, group: str, x: list[str], method: str
) -> pd.Series:
    sm = crosscheck.statsmodels_mixedlm(data, y, group, x or None, method=method)
    a = pd.Series({str(k): float(v.iloc[0]) for k, v in sm.random_effects.items()})
    return a + float(sm.fe_params["Intercept"])


# ---------------------------------------------------------------------------------------------
# The estimates file


@pytest.mark.parametrize("method", ["REML", "ML"])
def test_alpha_column_equals_fit_random_intercept_exactly(tmp_path, method):
    est = run_fit(tmp_path, "radon", "--method", method)
    direct = pp.fit_random_intercept(datasets.radon(), "log_radon", "county", "floor", method)
    assert list(est.reset_index().columns) == COLUMNS
    assert list(est.index) == list(direct.alpha.index)
    np.testing.assert_array_equal(est["alpha_j"].to_numpy(), direct.alpha.to_numpy())
    np.testing.assert_array_equal(est["lambda_j"].to_numpy(), direct.shrinkage.to_numpy())
    np.testing.assert_array_equal(est["cond_sd_j"].to_numpy(), direct.cond_sd.to_numpy())
    np.testing.assert_array_equal(est["n_j"].to_numpy(), direct.n.to_numpy())


@pytest.mark.parametrize("name", ["radon", "sleepstudy", "dyestuff"])
def test_intercepts_agree_with_statsmodels_mixedlm(tmp_path, name):
    entry = DATASETS[name]
    est = run_fit(tmp_path, name)
    expected = statsmodels_alpha(entry.load(), entry.y, entry.group, list(entry.x), "REML")
    np.testing.assert_allclose(est["alpha_j"], expected.reindex(est.index), rtol=1e-6)


def test_ml_intercepts_agree_with_statsmodels_mixedlm(tmp_path):
    est = run_fit(tmp_path, "sleepstudy", "--method", "ML")
    expected = statsmodels_alpha(datasets.sleepstudy(), "Reaction", "Subject", ["Days"], "ML")
    np.testing.assert_allclose(est["alpha_j"], expected.reindex(est.index), rtol=1e-6)


def test_group_means_shrinkage_and_conditional_sd_follow_their_definitions(tmp_path):
    est = run_fit(tmp_path, "sleepstudy")
    data = datasets.sleepstudy()
    by = data.groupby("Subject")
    np.testing.assert_array_equal(est["n_j"], by.size().reindex(est.index))
    np.testing.assert_allclose(est["ybar_j"], by["Reaction"].mean().reindex(est.index), rtol=1e-13)
    fit = pp.fit_random_intercept(data, "Reaction", "Subject", "Days")
    xbar = by["Days"].mean().reindex(est.index)
    np.testing.assert_allclose(
        est["ybar_adj_j"], est["ybar_j"] - fit.beta["Days"] * xbar, rtol=1e-12
    )
    n, sa2, sy2 = est["n_j"], fit.sigma_alpha**2, fit.sigma_y**2
    lam = n * sa2 / (n * sa2 + sy2)
    np.testing.assert_allclose(est["lambda_j"], lam, rtol=1e-12)
    np.testing.assert_allclose(est["cond_sd_j"], np.sqrt(sa2 * (1 - lam)), rtol=1e-12)
    np.testing.assert_allclose(
        est["alpha_j"], lam * est["ybar_adj_j"] + (1 - lam) * fit.mu, rtol=1e-12
    )


def test_compare_adds_no_pooling_and_complete_pooling_against_least_squares(tmp_path):
    est = run_fit(tmp_path, "radon", "--compare")
    assert list(est.columns[-2:]) == ["alpha_none_j", "alpha_complete_j"]
    radon = datasets.radon()
    # complete pooling: statsmodels OLS, ignoring the counties
    ols = crosscheck.statsmodels_ols(radon, "log_radon", "floor")
    np.testing.assert_allclose(est["alpha_complete_j"], ols.params["Intercept"], rtol=1e-6)
    # no pooling: a least-squares fit with one dummy per county and the common slope
    dummies = pd.get_dummies(radon["county"], dtype=float)
    design = np.column_stack([dummies.to_numpy(), radon["floor"].to_numpy(float)])
    coef, *_ = np.linalg.lstsq(design, radon["log_radon"].to_numpy(), rcond=None)
    none = pd.Series(coef[:-1], index=dummies.columns)
    np.testing.assert_allclose(est["alpha_none_j"], none.reindex(est.index), rtol=1e-6)


def test_summary_is_printed_and_the_output_file_named(tmp_path, capsys):
    run_fit(tmp_path, "dyestuff2")
    out = capsys.readouterr()
    direct = pp.fit_random_intercept(datasets.dyestuff2(), "Yield", "Batch")
    assert direct.summary() in out.out
    assert "estimates.csv" in out.out
    assert out.err == ""


def test_boundary_fit_writes_complete_pooling(tmp_path):
    est = run_fit(tmp_path, "dyestuff2", "--compare")
    assert (est["lambda_j"] == 0).all()
    assert (est["cond_sd_j"] == 0).all()
    np.testing.assert_array_equal(est["alpha_j"], est["alpha_complete_j"])


def test_group_labels_keep_their_spelling(tmp_path):
    data = pd.DataFrame(
        {
            "y": [1.0, 2.0, 2.5, 0.5, 1.5, 3.0, 2.2, 0.1, 1.1],
            "g": ["007", "007", "007", "010", "010", "010", "7", "7", "7"],
        }
    )
    path = tmp_path / "labels.csv"
    data.to_csv(path, index=False)
    out = tmp_path / "est.csv"
    assert main(["fit", str(path), "--y", "y", "--group", "g", "--out", str(out)]) == 0
    assert list(read_estimates(out).index) == ["007", "010", "7"]


def test_python_dash_m_runs_the_same_command_line(tmp_path):
    data = export("sleepstudy", tmp_path)
    out = tmp_path / "est.csv"
    argv = ["fit", str(data), "--y", "Reaction", "--group", "Subject", "--x", "Days"]
    result = subprocess.run(
        [sys.executable, "-m", "partial_pooling", *argv, "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "Random-intercept model fit by REML" in result.stdout
    direct = pp.fit_random_intercept(datasets.sleepstudy(), "Reaction", "Subject", "Days")
    np.testing.assert_array_equal(read_estimates(out)["alpha_j"], direct.alpha)


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"partial-pooling {pp.__version__}"


# ---------------------------------------------------------------------------------------------
# Bad input: exit status 2, one line on stderr naming the problem, no traceback


@pytest.fixture
def radon_csv(tmp_path) -> Path:
    return export("radon", tmp_path)


def bad(capsys, argv: list[str]) -> str:
    capsys.readouterr()
    assert main(argv) == 2
    captured = capsys.readouterr()
    err = captured.err
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert err.startswith("partial-pooling: error: ")
    assert "Traceback" not in err
    return err


def test_missing_file_is_named(tmp_path, capsys):
    missing = tmp_path / "no_such.csv"
    err = bad(capsys, ["fit", str(missing), "--y", "y", "--group", "g"])
    assert "no such file" in err and "no_such.csv" in err


def test_directory_instead_of_file_is_named(tmp_path, capsys):
    err = bad(capsys, ["fit", str(tmp_path), "--y", "y", "--group", "g"])
    assert "directory" in err and str(tmp_path) in err


def test_empty_file_is_named(tmp_path, capsys):
    path = tmp_path / "empty.csv"
    path.write_text("")
    err = bad(capsys, ["fit", str(path), "--y", "y", "--group", "g"])
    assert "empty.csv" in err and "empty" in err


def test_unparseable_csv_is_named(tmp_path, capsys):
    path = tmp_path / "broken.csv"
    path.write_text('y,g\n1.0,"a\n2.0,b\n')
    err = bad(capsys, ["fit", str(path), "--y", "y", "--group", "g"])
    assert "cannot read" in err and "broken.csv" in err


def test_binary_file_is_named(tmp_path, capsys):
    path = tmp_path / "binary.csv"
    path.write_bytes(bytes(range(256)) * 8)
    err = bad(capsys, ["fit", str(path), "--y", "y", "--group", "g"])
    assert "binary.csv" in err


def test_unknown_response_column_is_named(radon_csv, capsys):
    err = bad(capsys, ["fit", str(radon_csv), "--y", "radon_level", "--group", "county"])
    assert "'radon_level'" in err and "radon.csv" in err


def test_unknown_group_column_is_named(radon_csv, capsys):
    err = bad(capsys, ["fit", str(radon_csv), "--y", "log_radon", "--group", "state"])
    assert "'state'" in err


def test_unknown_covariate_is_named(radon_csv, capsys):
    argv = ["fit", str(radon_csv), "--y", "log_radon", "--group", "county", "--x", "floors"]
    assert "'floors'" in bad(capsys, argv)


def test_non_numeric_response_is_named(radon_csv, capsys):
    err = bad(capsys, ["fit", str(radon_csv), "--y", "county", "--group", "floor"])
    assert "response column 'county' must be numeric" in err


def test_missing_value_in_response_is_named(tmp_path, capsys):
    path = tmp_path / "gaps.csv"
    path.write_text("y,g\n1.0,a\n,a\n2.0,b\n3.0,b\n")
    err = bad(capsys, ["fit", str(path), "--y", "y", "--group", "g"])
    assert "'y'" in err and "missing" in err


def test_every_group_a_single_observation_is_explained(tmp_path, capsys):
    path = tmp_path / "singletons.csv"
    pd.DataFrame({"y": [1.0, 2.0, 4.0], "g": ["a", "b", "c"]}).to_csv(path, index=False)
    err = bad(capsys, ["fit", str(path), "--y", "y", "--group", "g"])
    assert "single observation" in err and "'g'" in err


def test_compare_with_a_group_level_covariate_names_it(radon_csv, capsys):
    argv = ["fit", str(radon_csv), "--y", "log_radon", "--group", "county"]
    err = bad(capsys, [*argv, "--x", "uranium", "--compare"])
    assert "'uranium'" in err and "--compare" in err
    # without --compare the group-level covariate is fine: its slope comes from between groups
    assert main([*argv, "--x", "uranium", "--out", str(radon_csv.parent / "e.csv")]) == 0


def test_unwritable_output_is_named(radon_csv, capsys):
    out = radon_csv.parent / "no_folder" / "e.csv"
    argv = ["fit", str(radon_csv), "--y", "log_radon", "--group", "county", "--out", str(out)]
    err = bad(capsys, argv)
    assert "cannot write" in err and "e.csv" in err
    assert capsys.readouterr().out == ""  # nothing printed as if it had worked


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["fit", "d.csv", "--group", "g"], "--y"),
        (["fit", "d.csv", "--y", "y", "--group", "g", "--method", "OLS"], "OLS"),
        (["datasets", "iris"], "iris"),
        ([], "COMMAND"),
    ],
)
def test_usage_errors_are_one_line(capsys, argv, named):
    assert named in bad(capsys, argv)


def test_bad_input_through_python_dash_m_shows_no_traceback(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "partial_pooling",
            "fit",
            str(tmp_path / "x.csv"),
            "--y",
            "y",
            "--group",
            "g",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "x.csv" in result.stderr
    assert "Traceback" not in result.stderr


# ---------------------------------------------------------------------------------------------
# Exporting the bundled data sets


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_export_round_trips_exactly(tmp_path, name, capsys):
    path = export(name, tmp_path)
    original = DATASETS[name].load()
    back = pd.read_csv(path, keep_default_na=False)
    assert list(back.columns) == list(original.columns)
    assert len(back) == len(original)
    for column in original.columns:
        if pd.api.types.is_float_dtype(original[column]):
            np.testing.assert_array_equal(back[column].to_numpy(), original[column].to_numpy())
        else:
            assert back[column].astype(str).tolist() == original[column].astype(str).tolist()
    out = capsys.readouterr().out
    assert f"Wrote {len(original)} rows" in out


def test_export_suggests_a_fit_command_that_works(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["datasets", "sleepstudy"]) == 0
    suggestion = capsys.readouterr().out.splitlines()[-1]
    assert suggestion.startswith("Try: partial-pooling fit sleepstudy.csv")
    argv = suggestion.removeprefix("Try: partial-pooling ").split()
    assert main(argv) == 0
    assert (tmp_path / "estimates.csv").exists()


def test_covariates_given_in_one_or_several_flags_are_the_same_model(radon_csv, capsys):
    base = ["fit", str(radon_csv), "--y", "log_radon", "--group", "county"]
    one, two = radon_csv.parent / "one.csv", radon_csv.parent / "two.csv"
    assert main([*base, "--x", "floor", "uranium", "--out", str(one)]) == 0
    assert main([*base, "--x", "floor", "--x", "uranium", "--out", str(two)]) == 0
    pd.testing.assert_frame_equal(read_estimates(one), read_estimates(two))
    assert "log_radon ~ 1 + floor + uranium + (1 | county)" in capsys.readouterr().out
