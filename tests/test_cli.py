"""The command line: its per-group CSV against the package and statsmodels, bad input, exports.

The estimates the CLI writes are compared with `fit_random_intercept` called directly (the
partial-pooling intercepts must be equal to the last bit, since the CSV stores floats in
round-trip form) and with independent computations: statsmodels' MixedLM fitted tightly and
statsmodels' OLS through `partial_pooling.site.crosscheck`, and a dummy-variable least-squares fit
in numpy for no pooling. With ``--random-slopes`` the written coefficients must equal
`fit_random_slopes` called directly, to the last bit, and reproduce lme4's published sleepstudy
fit. Bad input must give exit status 2 and one line on stderr naming the
file or column, never a traceback.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import partial_pooling as pp
from partial_pooling import datasets
from partial_pooling.cli import DATASETS, NUMERIC_NA, csv_reader, main, read_data
from partial_pooling.site import crosscheck

PYTHON_M = [sys.executable, "-m", "partial_pooling"]
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
    alpha = crosscheck.statsmodels_mixedlm(data, y=y, group=group, x=x or None, method=method).alpha
    return alpha.set_axis(alpha.index.map(str))  # the estimates file reads labels as text


# ---------------------------------------------------------------------------------------------
# The estimates file


@pytest.mark.parametrize("method", ["REML", "ML"])
def test_alpha_column_equals_fit_random_intercept_exactly(tmp_path, method):
    est = run_fit(tmp_path, "radon", "--method", method)
    direct = pp.fit_random_intercept(
        datasets.radon(), y="log_radon", group="county", x="floor", method=method
    )
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
    fit = pp.fit_random_intercept(data, y="Reaction", group="Subject", x="Days")
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
    ols = crosscheck.statsmodels_ols(radon, y="log_radon", x="floor")
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
    direct = pp.fit_random_intercept(datasets.dyestuff2(), y="Yield", group="Batch")
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
    direct = pp.fit_random_intercept(datasets.sleepstudy(), y="Reaction", group="Subject", x="Days")
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


def _unreadable(kind: str, tmp_path):
    """A path the command line cannot read as a CSV file, of each kind."""
    if kind == "directory":
        return tmp_path
    path = tmp_path / f"{kind}.csv"
    if kind == "binary":
        path.write_bytes(bytes(range(256)) * 8)
    else:
        path.write_text({"empty": "", "broken": 'y,g\n1.0,"a\n2.0,b\n'}[kind])
    return path


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        ("directory", ["directory"]),
        ("empty", ["empty.csv", "empty"]),
        ("broken", ["cannot read", "broken.csv"]),
        ("binary", ["binary.csv"]),
    ],
)
def test_a_file_that_is_not_a_csv_is_named(tmp_path, capsys, kind, words):
    path = _unreadable(kind, tmp_path)
    err = bad(capsys, ["fit", str(path), "--y", "y", "--group", "g"])
    assert all(word in err for word in words) and str(path) in err


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


def test_the_command_exports_exactly_the_data_sets_the_package_bundles():
    # the names come from partial_pooling.datasets, where the site's build reads them too
    assert sorted(DATASETS) == sorted(datasets.NAMES)


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


# ---------------------------------------------------------------------------------------------
# Random slopes: --random-slopes COL ...

SLEEP = ["--y", "Reaction", "--group", "Subject"]


def growth_curves(seed: int = 20240611) -> pd.DataFrame:
    """Simulated data with a random intercept and two correlated random slopes (x1, x2)."""
    rng = np.random.default_rng(seed)
    J, n = 30, 12
    group = np.repeat([f"g{j:02d}" for j in range(J)], n)
    x1 = rng.normal(size=J * n)
    x2 = rng.uniform(0, 4, size=J * n)
    cov = [[4.0, 0.6, -0.3], [0.6, 1.0, 0.1], [-0.3, 0.1, 0.25]]
    a = rng.multivariate_normal(np.zeros(3), cov, size=J)
    codes = np.repeat(np.arange(J), n)
    y = (10 + a[codes, 0]) + (2 + a[codes, 1]) * x1 + (-1 + a[codes, 2]) * x2
    y += rng.normal(scale=1.5, size=J * n)
    return pd.DataFrame({"y": y, "g": group, "x1": x1, "x2": x2, "note": "unused"})


def run_slopes(tmp_path: Path, data: pd.DataFrame, argv: list[str], *extra: str) -> pd.DataFrame:
    path = tmp_path / "data.csv"
    data.to_csv(path, index=False)
    out = tmp_path / "slopes.csv"
    assert main(["fit", str(path), *argv, "--out", str(out), "--force", *extra]) == 0
    return read_estimates(out)


def slopes_columns(names: list[str]) -> list[str]:
    return [
        "n_j",
        "intercept_j",
        *(f"slope_{c}_j" for c in names),
        "a0_j",
        *(f"a_{c}_j" for c in names),
    ]


@pytest.mark.parametrize("method", ["REML", "ML"])
@pytest.mark.parametrize(
    ("load", "argv", "names"),
    [
        (datasets.sleepstudy, SLEEP, ["Days"]),
        (growth_curves, ["--y", "y", "--group", "g"], ["x1", "x2"]),
    ],
    ids=["one_slope", "two_slopes"],
)
def test_random_slopes_columns_equal_fit_random_slopes_exactly(tmp_path, load, argv, names, method):
    data = load()
    est = run_slopes(tmp_path, data, [*argv, "--random-slopes", *names, "--method", method])
    direct = pp.fit_random_slopes(data, y=argv[1], group=argv[3], x=names, method=method)
    assert list(est.columns) == slopes_columns(names)
    assert list(est.index) == [str(label) for label in direct.coef.index]
    np.testing.assert_array_equal(est["n_j"], direct.n)
    np.testing.assert_array_equal(est["intercept_j"], direct.coef["Intercept"])
    np.testing.assert_array_equal(est["a0_j"], direct.ranef["Intercept"])
    for name in names:
        np.testing.assert_array_equal(est[f"slope_{name}_j"], direct.coef[name])
        np.testing.assert_array_equal(est[f"a_{name}_j"], direct.ranef[name])


def test_random_slopes_reproduce_lme4_on_sleepstudy(tmp_path, capsys):
    """lme4: lmer(Reaction ~ Days + (Days | Subject), sleepstudy), REML (Bates et al. 2015)."""
    capsys.readouterr()
    est = run_slopes(tmp_path, datasets.sleepstudy(), [*SLEEP, "--random-slopes", "Days"])
    printed = capsys.readouterr().out
    assert "Random intercept and slope model fit by REML" in printed
    assert re.search(r"REML log-likelihood: +-871\.8141\n", printed)
    random, fixed = printed.split("Variance components:")[1].split("Fixed effects:")

    def number_after(block: str, name: str) -> float:
        """The number right after the word ``name`` in the first row that has one."""
        for line in block.splitlines():
            words = line.split()
            after = words[words.index(name) + 1] if name in words[:-1] else ""
            if re.fullmatch(r"-?[\d.]+(e[-+]\d+)?", after):
                return float(after)
        raise AssertionError(f"no number after {name!r} in {block!r}")

    tol = 6e-4  # printed to 6 significant digits, published to 3 decimals
    assert abs(number_after(fixed, "mu_0") - 251.405) < tol
    assert abs(number_after(fixed, "Days") - 10.467) < tol
    assert abs(number_after(random, "(Intercept)") - 24.741) < tol
    assert abs(number_after(random, "Days") - 5.922) < tol
    assert abs(number_after(random, "sigma_y") - 25.592) < tol
    # the written coefficients are the fixed effects plus the conditional modes
    np.testing.assert_allclose(est["intercept_j"] - est["a0_j"], 251.405, atol=tol)
    np.testing.assert_allclose(est["slope_Days_j"] - est["a_Days_j"], 10.467, atol=tol)


def test_random_slopes_compare_adds_each_groups_own_line_and_the_pooled_line(tmp_path):
    data = growth_curves()
    data.loc[data["g"] == "g03", "x2"] = 2.0  # x2 constant in g03: its own slopes undefined
    est = run_slopes(
        tmp_path, data, ["--y", "y", "--group", "g", "--random-slopes", "x1", "x2"], "--compare"
    )
    assert list(est.columns[-6:]) == [
        "intercept_none_j",
        "slope_x1_none_j",
        "slope_x2_none_j",
        "intercept_complete_j",
        "slope_x1_complete_j",
        "slope_x2_complete_j",
    ]
    # no pooling: least squares in each group alone, by numpy's lstsq
    for label, rows in data.groupby("g"):
        design = np.column_stack([np.ones(len(rows)), rows[["x1", "x2"]].to_numpy()])
        got = est.loc[label, ["intercept_none_j", "slope_x1_none_j", "slope_x2_none_j"]]
        if label == "g03":
            assert got.isna().all()
            continue
        coef, *_ = np.linalg.lstsq(design, rows["y"].to_numpy(), rcond=None)
        np.testing.assert_allclose(got.to_numpy(float), coef, rtol=1e-9, atol=1e-12)
    # complete pooling: statsmodels OLS, ignoring the groups
    ols = crosscheck.statsmodels_ols(data, y="y", x=["x1", "x2"])
    np.testing.assert_allclose(est["intercept_complete_j"], ols.params["Intercept"], rtol=1e-9)
    np.testing.assert_allclose(est["slope_x1_complete_j"], ols.params["x1"], rtol=1e-9)
    np.testing.assert_allclose(est["slope_x2_complete_j"], ols.params["x2"], rtol=1e-9)


def test_random_slopes_compare_with_one_slope_agrees_with_group_ols(tmp_path):
    data = datasets.sleepstudy()
    est = run_slopes(tmp_path, data, [*SLEEP, "--random-slopes", "Days"], "--compare")
    lines = pp.group_ols(data, y="Reaction", group="Subject", x="Days").rename(index=str)
    np.testing.assert_allclose(est["intercept_none_j"], lines["Intercept"], rtol=1e-12)
    np.testing.assert_allclose(est["slope_Days_none_j"], lines["Days"], rtol=1e-12)


def test_x_naming_the_random_slope_columns_is_the_same_model(tmp_path):
    data = growth_curves()
    argv = ["--y", "y", "--group", "g", "--random-slopes", "x1", "x2"]
    without = run_slopes(tmp_path, data, argv)
    with_x = run_slopes(tmp_path, data, [*argv, "--x", "x2", "x1"])
    pd.testing.assert_frame_equal(without, with_x)


def test_random_slopes_to_standard_output_put_the_summary_on_stderr(tmp_path, capsys):
    path = export("sleepstudy", tmp_path)
    capsys.readouterr()
    assert main(["fit", str(path), *SLEEP, "--random-slopes", "Days", "--out", "-"]) == 0
    captured = capsys.readouterr()
    est = pd.read_csv(io.StringIO(captured.out), dtype={"group": str}).set_index("group")
    assert list(est.columns) == slopes_columns(["Days"])
    assert "Random intercept and slope model fit by REML" in captured.err
    assert "Wrote 18 groups" in captured.err


def test_fit_help_mentions_random_slopes(capsys):
    assert main(["fit", "--help"]) == 0
    text = capsys.readouterr().out
    assert "--random-slopes COL [COL ...]" in text
    assert "slope_COL_j" in text


def test_unknown_random_slope_column_is_named(radon_csv, capsys):
    argv = ["fit", str(radon_csv), "--y", "log_radon", "--group", "county"]
    err = bad(capsys, [*argv, "--random-slopes", "flor"])
    assert "no column 'flor' (--random-slopes)" in err and "did you mean 'floor'" in err


def test_group_level_random_slope_is_refused_with_its_name(radon_csv, capsys):
    argv = ["fit", str(radon_csv), "--y", "log_radon", "--group", "county"]
    out = radon_csv.parent / "e.csv"
    err = bad(capsys, [*argv, "--random-slopes", "uranium", "--out", str(out)])
    assert "'uranium'" in err and "group-level" in err
    assert not out.exists()


@pytest.mark.parametrize("x", [["uranium"], ["floor", "uranium"]])
def test_random_slopes_with_a_different_x_is_refused_before_reading(radon_csv, capsys, x):
    argv = ["fit", str(radon_csv), "--y", "log_radon", "--group", "county"]
    out = radon_csv.parent / "e.csv"
    err = bad(capsys, [*argv, "--x", *x, "--random-slopes", "floor", "--out", str(out)])
    assert "--x" in err and "--random-slopes" in err and "drop --x" in err
    assert not out.exists()


def test_a_random_slope_named_intercept_is_refused(tmp_path, capsys):
    data = datasets.sleepstudy().rename(columns={"Days": "Intercept"})
    path = tmp_path / "data.csv"
    data.to_csv(path, index=False)
    err = bad(capsys, ["fit", str(path), *SLEEP, "--random-slopes", "Intercept"])
    assert "'Intercept'" in err and "rename" in err


def test_random_slope_columns_are_read_as_numeric_columns(tmp_path, capsys):
    text = "y,g,x\n1.0,a,1\n2.0,a,2\n3.0,b,1\n4.0,b,oops\n5.0,c,1\n"
    status, err, _ = fit_text(
        tmp_path, capsys, text, "--y", "y", "--group", "g", "--random-slopes", "x"
    )
    assert status == 2
    assert "covariate column 'x' must be numeric, but line 5 has 'oops'" in err
    text = "y,g,x\n1.0,a,1\n2.0,a,2\n3.0,b,1\n4.0,b,NA\n5.0,c,1\n"
    status, err, _ = fit_text(
        tmp_path, capsys, text, "--y", "y", "--group", "g", "--random-slopes", "x"
    )
    assert status == 2
    assert "covariate column 'x' has 1 missing value(s), first at line(s) [5]" in err


# ---------------------------------------------------------------------------------------------
# Reading a CSV file as its author meant it


def write(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("utf-8"))
    return path


def fit_text(tmp_path: Path, capsys, text: str, *args: str) -> tuple[int, str, Path]:
    """Fit ``text`` as a CSV file (``--y y --group g`` unless given); status, stderr, output."""
    data = write(tmp_path / "data.csv", text)
    out = tmp_path / "est.csv"
    argv = ["fit", str(data), *(args or ("--y", "y", "--group", "g")), "--out", str(out)]
    capsys.readouterr()
    status = main([*argv, "--force"])
    err = capsys.readouterr().err
    assert err.count("\n") == (0 if status == 0 else 1), err
    return status, err, out


def test_group_labels_that_look_missing_are_labels(tmp_path, capsys):
    labels = ["NA", "None", "null", "N/A", "nan", "NULL", "#N/A"]
    rows = "".join(
        f"{1.0 + k + 0.5 * i},{label}\n" for k, label in enumerate(labels) for i in (0, 1)
    )
    status, err, out = fit_text(tmp_path, capsys, "y,g\n" + rows)
    assert status == 0, err
    est = pd.read_csv(out, dtype={"group": str}, keep_default_na=False).set_index("group")
    assert sorted(est.index) == sorted(labels)
    assert (est["n_j"] == 2).all()


def test_an_empty_group_cell_is_a_missing_label_named_by_its_line(tmp_path, capsys):
    status, err, _ = fit_text(tmp_path, capsys, "y,g\n1.0,a\n2.0,a\n3.0,\n4.0,b\n5.0,b\n")
    assert status == 2
    assert "group column 'g' has 1 missing label(s), first at line(s) [4]" in err


@pytest.mark.parametrize("token", ["", "NA", "nan", "NULL", "n/a", "#N/A"])
def test_missing_value_strings_in_a_numeric_column_are_missing_values(tmp_path, capsys, token):
    text = f"y,g,x\n1.0,a,1\n2.0,a,2\n3.0,b,{token}\n4.0,b,3\n5.0,c,1\n"
    status, err, _ = fit_text(tmp_path, capsys, text, "--y", "y", "--group", "g", "--x", "x")
    assert status == 2
    assert "covariate column 'x' has 1 missing value(s), first at line(s) [4]" in err


def test_the_numeric_missing_strings_are_pandas_defaults():
    from pandas._libs.parsers import STR_NA_VALUES

    assert set(NUMERIC_NA) == set(STR_NA_VALUES)


def test_a_non_numeric_value_is_named_with_its_line(tmp_path, capsys):
    status, err, _ = fit_text(tmp_path, capsys, "y,g\n1.0,a\n2.0,a\nabc,b\n1.5,b\n")
    assert status == 2
    assert "response column 'y' must be numeric, but line 4 has 'abc'" in err


@pytest.mark.parametrize("role", ["--y", "--group", "--x"])
def test_a_used_column_named_twice_in_the_header_is_refused(tmp_path, capsys, role):
    names = {"--y": "y", "--group": "g", "--x": "x"}
    header = ["y", "g", "x", names[role]]
    text = ",".join(header) + "\n" + "1.0,a,1,2\n2.0,a,2,3\n3.5,b,1,1\n1.5,b,3,1\n"
    status, err, _ = fit_text(tmp_path, capsys, text, "--y", "y", "--group", "g", "--x", "x")
    assert status == 2
    assert f"2 columns {names[role]!r} (columns" in err and role in err


def test_a_name_repeated_among_unused_columns_is_ignored(tmp_path, capsys):
    text = "y,note,g,note\n1.0,p,a,q\n2.0,p,a,q\n3.5,p,b,q\n1.5,p,b,q\n"
    status, err, _ = fit_text(tmp_path, capsys, text)
    assert status == 0, err


def test_an_unknown_column_of_a_wide_file_names_the_nearest_and_the_count(tmp_path, capsys):
    names = [f"score_{k}" for k in range(3000)]
    text = ",".join([*names, "g"]) + "\n" + ",".join(["1"] * 3000 + ["a"]) + "\n"
    status, err, _ = fit_text(tmp_path, capsys, text, "--y", "score-17", "--group", "g")
    assert status == 2
    assert "no column 'score-17' (--y)" in err and "3001 columns" in err
    assert "did you mean 'score_17'" in err
    assert len(err) < 300  # not the 3001 names


def test_only_the_used_columns_are_parsed(tmp_path):
    """An unused column may hold anything: text, bytes that are not UTF-8."""
    path = tmp_path / "data.csv"
    rows = [b"1.0,a,\xff\xfe junk", b"2.0,a,x", b"3.5,b,\xe9t\xe9", b"1.5,b,y"]
    path.write_bytes(b"y,g,notes\n" + b"\n".join(rows) + b"\n")
    frame = read_data(str(path), "y", "g")
    assert list(frame.columns) == ["y", "g"]
    assert frame["y"].tolist() == [1.0, 2.0, 3.5, 1.5]
    assert frame.index.name == "line" and list(frame.index) == [2, 3, 4, 5]


def test_dash_reads_standard_input():
    data = DATASETS["sleepstudy"].load().to_csv(index=False)
    argv = ["fit", "-", "--y", "Reaction", "--group", "Subject", "--x", "Days", "--out", "-"]
    result = subprocess.run(
        [*PYTHON_M, *argv],
        input=data,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    est = pd.read_csv(io.StringIO(result.stdout), dtype={"group": str}).set_index("group")
    direct = pp.fit_random_intercept(datasets.sleepstudy(), y="Reaction", group="Subject", x="Days")
    np.testing.assert_array_equal(est["alpha_j"], direct.alpha)


QUOTED_AND_BLANK = 'y,g,note\n1.0,a,"two\nlines"\n2.0,a,x\n\n3.5,b,x\n,b,x\n4.0,b,x\n'


def test_line_numbers_stay_exact_across_quoted_line_breaks_and_blank_lines(tmp_path, capsys):
    status, err, _ = fit_text(tmp_path, capsys, QUOTED_AND_BLANK)
    assert status == 2
    assert "first at line(s) [7]" in err  # header 1, record 2-3, 4, blank 5, 6, the gap at 7


def test_standard_input_with_a_record_spanning_lines_reports_data_rows(tmp_path):
    result = subprocess.run(
        [*PYTHON_M, "fit", "-", "--y", "y", "--group", "g", "--out", str(tmp_path / "e.csv")],
        input=QUOTED_AND_BLANK,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "first at data row(s) [4]" in result.stderr  # standard input cannot be re-read


def test_windows_line_ends_and_a_byte_order_mark_read_like_a_plain_file(tmp_path, capsys):
    text = "\ufeffy,g\r\n1.0,a\r\n2.0,a\r\n3.5,b\r\n,b\r\n"
    status, err, _ = fit_text(tmp_path, capsys, text)
    assert status == 2
    assert "response column 'y' has 1 missing value(s), first at line(s) [5]" in err


def test_a_row_with_more_fields_than_the_header_is_refused_with_its_line(tmp_path, capsys):
    rows = [f"{k % 7}.5,g{k % 50}" for k in range(60_000)]  # past pandas' first reads
    rows[50_000] = "1.5,Smith, John"
    status, err, _ = fit_text(tmp_path, capsys, "y,g\n" + "\n".join(rows) + "\n")
    assert status == 2
    assert "line 50002 has 3 fields but the header has 2" in err


def test_a_first_row_with_an_extra_field_is_refused_not_read_as_an_index(tmp_path, capsys):
    status, err, _ = fit_text(tmp_path, capsys, "y,g\n1,1.0,a\n2,2.0,a\n3,3.5,b\n4,1.5,b\n")
    assert status == 2
    assert "line 2 has 3 fields but the header has 2" in err and "index" in err


def test_a_header_without_rows_is_empty_data(tmp_path, capsys):
    status, err, _ = fit_text(tmp_path, capsys, "y,g\n")
    assert status == 2 and "empty" in err


def test_a_file_that_is_not_utf8_is_named(tmp_path, capsys):
    path = tmp_path / "latin.csv"
    path.write_bytes("réponse,g\n1.0,a\n".encode("latin-1"))
    err = bad(capsys, ["fit", str(path), "--y", "réponse", "--group", "g"])
    assert "latin.csv" in err and "UTF-8" in err


def test_reading_in_many_chunks_and_blocks_gives_the_frame_pandas_gives(tmp_path, monkeypatch):
    rng = np.random.default_rng(7)
    n = 5000
    frame = pd.DataFrame(
        {
            "id": np.arange(n),
            "y": rng.normal(size=n),
            "g": [f"s{k:03d}" for k in rng.integers(0, 300, n)],
            "x": rng.integers(0, 9, n),  # integers: read as float64 all the same
        }
    )
    path = tmp_path / "data.csv"
    frame.to_csv(path, index=False)
    monkeypatch.setattr(csv_reader, "_CHUNK_FIELDS", 97)  # chunks of 24 rows
    monkeypatch.setattr(csv_reader._Column, "BLOCK_ROWS", 1000)  # five blocks a column
    got = read_data(str(path), "y", "g", ["x"])
    expected = pd.read_csv(path, usecols=["y", "g", "x"], dtype={"g": str})
    np.testing.assert_array_equal(got["y"].to_numpy(), expected["y"].to_numpy())
    np.testing.assert_array_equal(got["x"].to_numpy(), expected["x"].to_numpy(float))
    assert got["g"].tolist() == expected["g"].tolist()
    assert list(got.index) == list(range(2, n + 2))


def test_a_quoted_comma_is_part_of_one_field(tmp_path, capsys):
    text = 'y,g\n1.0,"Smith, John"\n2.0,"Smith, John"\n3.5,Doe\n1.5,Doe\n'
    status, err, out = fit_text(tmp_path, capsys, text)
    assert status == 0, err
    assert sorted(read_estimates(out).index) == ["Doe", "Smith, John"]


def test_a_last_row_with_an_extra_field_and_no_line_break_is_refused(tmp_path, capsys):
    status, err, _ = fit_text(tmp_path, capsys, "y,g\n1.0,a\n2.0,a\n3.5,b\n1.5,b,c")
    assert status == 2
    assert "line 5 has 3 fields but the header has 2" in err


def test_read_data_gives_the_group_labels_sorted_as_text(tmp_path):
    path = write(tmp_path / "data.csv", "y,g\n1,b\n2,NA\n3,a\n4,b\n")
    frame = read_data(str(path), "y", "g")
    assert frame["g"].tolist() == ["b", "NA", "a", "b"]
    assert list(frame["g"].cat.categories) == ["NA", "a", "b"]
    assert frame["y"].dtype == np.float64


@pytest.mark.parametrize(
    "model", [["--x", "floor"], ["--random-slopes", "floor"]], ids=["intercept", "slopes"]
)
def test_fit_with_compare_plots_and_report_groups_the_data_once(
    radon_csv, tmp_path, count_grouping, model
):
    argv = ["fit", str(radon_csv), "--y", "log_radon", "--group", "county", *model]
    argv += ["--compare", "--out", str(tmp_path / "e.csv"), "--plot", str(tmp_path / "figs")]
    argv += ["--report", str(tmp_path / "r.html")]
    assert main(argv) == 0
    assert count_grouping == [("log_radon", "county")]
    table = pd.read_csv(tmp_path / "e.csv")
    none = [c for c in table.columns if c.endswith("_none_j")]
    complete = [c for c in table.columns if c.endswith("_complete_j")]
    assert none and complete and table[complete].notna().all().all()
    assert table[none].notna().any().all()  # NaN only where a group cannot fit its own line
