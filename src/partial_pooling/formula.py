"""Models written as lme4 formulas: ``pp.fit("y ~ x + Sex + (x | g)", data)``.

A formula is ``response ~ fixed part + random terms``. The fixed part is read by
[formulaic](https://matthewwardrop.github.io/formulaic/) (factors, interactions and
transformations such as ``C(f)``, ``I(x**2)``, ``np.log(x)`` work as in statsmodels), and
its model spec is kept, so that new data get the same columns, factor levels and
transformations. Each random term is ``(left | g)`` in parentheses, joined to the rest by
``+``:

* ``(1 | g)``: a random intercept for each level of ``g``;
* ``(x | g)`` or ``(1 + x | g)``: a random intercept and a random slope of ``x``, correlated;
  ``(x1 + x2 | g)`` with two slopes; ``(0 + x | g)`` a random slope alone;
* ``(1 | g1) + (1 | g2)``: crossed factors; ``(1 | g1/g2)``: ``g2`` nested in ``g1``, the
  same as ``(1 | g1) + (1 | g2:g1)`` (lme4's name), where ``g2:g1`` is the factor of the pairs
  of levels.

The formula's syntax is read by `partial_pooling.formula_syntax`. The left side of a term
is evaluated by formulaic too. One implementation per model: a
formula with a single ``(1 | g)`` term and an intercept goes to the random-intercept fit
(`partial_pooling.estimation.fit_random_intercept`); a single ``(1 + x1 + ... | g)`` whose
covariates are exactly the fixed part's goes to the random-slopes fit
(`partial_pooling.random_slopes.fit_random_slopes`); every other model (several terms,
crossed or nested, slopes beside fixed-only covariates, no intercept) goes to
`partial_pooling.mixed.fit_mixed`. `fit` returns a `FormulaFit` with the same vocabulary
whichever fit made it.
"""

from __future__ import annotations

import difflib
import html
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from formulaic import Formula, model_matrix
from formulaic.errors import FormulaicError
from scipy import stats

from .estimation import fit_random_intercept
from .fits import PoolingFit, RandomSlopesFit, relative_cholesky
from .formula_syntax import ParsedFormula, RandomPart, parse_formula
from .grouped import plain
from .mixed import SINGULAR_TOL, MixedFit, RandomTerm, fit_mixed
from .random_slopes import fit_random_slopes
from .summary import METHOD_NAMES, Label, Summary, SummaryTable
from .validation import Method, check_level, check_method, warn_singular

__all__ = ["FormulaFit", "fit"]

#: Which fit made a `FormulaFit`.
Route = Literal["random_intercept", "random_slopes", "mixed"]

_INTERCEPT = "(Intercept)"
#: Names a formula may use that are not columns (formulaic's context).
_CONTEXT = {"np": np, "numpy": np}


# ---------------------------------------------------------------------------------------------
# evaluation


def _check_names(parsed: ParsedFormula, data: pd.DataFrame) -> None:
    """Every name the formula uses is a column (or numpy): else an error with the nearest."""
    columns = [str(c) for c in data.columns]
    used: list[tuple[str, str]] = []
    for text, where in [
        (f"{parsed.response} ~ {parsed.fixed}", "the fixed part"),
        *((part.lhs, f"the term {part.text}") for part in parsed.random),
    ]:
        try:
            names = Formula(text).required_variables
        except FormulaicError as exc:
            raise ValueError(f"formula {parsed.text!r}: {where}: {_first_line(exc)}") from None
        used += [(str(v), where) for v in sorted(map(str, names))]
    used += [(f, f"the term {part.text}") for part in parsed.random for f in part.factors]
    for name, where in used:
        if name in data.columns or name in _CONTEXT:
            continue
        near = difflib.get_close_matches(name, columns, n=3)
        near += [c for c in columns if c.casefold() == name.casefold() and c not in near][:1]
        hint = f"; did you mean {' or '.join(map(repr, near))}?" if near else ""
        shown = plain(columns[:20]) + (
            f" (and {len(columns) - 20} more)" if len(columns) > 20 else ""
        )
        raise ValueError(
            f"formula {parsed.text!r}: unknown column {name!r} in {where}; the data has "
            f"columns {shown}{hint}"
        )


def _check_missing(parsed: ParsedFormula, data: pd.DataFrame) -> None:
    """No column the formula uses has a missing value: else an error naming the column and
    the first rows, in the terms of the frame's index (the command line's line numbers)."""
    response, factors, rest = parsed.columns()
    for name in [*response, *factors, *rest]:
        if name not in data.columns:
            continue
        mask = data[name].isna().to_numpy()
        if mask.any():
            what = str(data.index.name) if data.index.name is not None else "row"
            rows = plain(list(data.index[mask][:3]))
            raise ValueError(
                f"formula {parsed.text!r}: column {name!r} has {int(mask.sum())} missing "
                f"value(s), in {what}(s) {rows}; drop or fill those rows first"
            )


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _matrix(text: str, data: pd.DataFrame, formula: str, where: str) -> Any:
    """formulaic's model matrices of ``text``; a missing value is an error naming ``where``."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            return model_matrix(text, data, na_action="raise", context=_CONTEXT)
    except (FormulaicError, ValueError, TypeError, NameError) as exc:
        message = _first_line(exc)
        if "null values" in message:
            message = message.replace("Error encountered while checking for nulls in", "in")
            message = f"missing values {message} (drop or fill those rows first)"
        raise ValueError(f"formula {formula!r}: {where}: {message}") from None


def _lme4_name(name: str) -> str:
    return _INTERCEPT if name == "Intercept" else name


@dataclass(frozen=True)
class _Term:
    """A random term evaluated on the data."""

    part: RandomPart
    spec: Any  # formulaic ModelSpec of the left side
    names: tuple[str, ...]
    levels: pd.Index
    codes: np.ndarray
    Z: np.ndarray

    def random_term(self) -> RandomTerm:
        return RandomTerm(
            group=self.part.group, levels=self.levels, codes=self.codes, Z=self.Z, names=self.names
        )


def _labels(data: pd.DataFrame, factors: tuple[str, ...], formula: str, text: str) -> pd.Series:
    """The grouping factor's label for each row: the column's values, or for ``g1:g2`` the
    values joined by ``":"``; a missing label is an error naming the term."""
    for name in factors:
        if data[name].isna().any():
            rows = list(data.index[data[name].isna().to_numpy()][:3])
            raise ValueError(
                f"formula {formula!r}: the grouping column {name!r} of the term {text} has "
                f"missing labels (row(s) {plain(rows)})"
            )
    if len(factors) == 1:
        return data[factors[0]]
    joined = data[factors[0]].astype(str)
    for name in factors[1:]:
        joined = joined + ":" + data[name].astype(str)
    return joined


def _evaluate_term(part: RandomPart, data: pd.DataFrame, formula: str) -> _Term:
    mm = _matrix(part.lhs, data, formula, f"the term {part.text}")
    names = tuple(_lme4_name(str(c)) for c in mm.columns)
    Z = np.asarray(mm, dtype=float)
    labels = _labels(data, part.factors, formula, part.text)
    codes, levels = pd.factorize(labels, sort=True)
    if len(levels) < 2:
        raise ValueError(
            f"formula {formula!r}: the grouping factor {part.group!r} of the term {part.text} "
            f"has only one level ({levels[0]!s}); a variance across levels needs at least two"
        )
    if len(names) > 1:
        J = len(levels)
        for c, name in enumerate(names):
            col = Z[:, c]
            if np.all(col == 1.0):
                continue
            lo, hi = np.full(J, np.inf), np.full(J, -np.inf)
            np.minimum.at(lo, codes, col)
            np.maximum.at(hi, codes, col)
            if np.all(hi - lo <= 1e-12 * (float(np.abs(col).max()) or 1.0)):
                raise ValueError(
                    f"formula {formula!r}: in the term {part.text}, the random slope of "
                    f"{name!r} is constant within every level of {part.group!r}, so it cannot "
                    "be told apart from the random intercept; drop it from the term"
                )
    return _Term(part, mm.model_spec, names, pd.Index(levels), codes.astype(np.int64), Z)


def _categorical_levels(fixed: str, data: pd.DataFrame) -> dict[str, frozenset[object]]:
    """The levels of each column the fixed part treats as a factor: a text, boolean or
    categorical column, or one wrapped in ``C(...)``."""
    out: dict[str, frozenset[object]] = {}
    names = {str(v) for v in Formula(fixed).required_variables} if fixed.strip() else set()
    for name in names:
        if name not in data.columns:
            continue
        column = data[name]
        numeric = pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)
        if not numeric or f"C({name}" in fixed.replace(" ", ""):
            out[name] = frozenset(column.dropna().unique().tolist())
    return out


# ---------------------------------------------------------------------------------------------
# the result


@dataclass(frozen=True, eq=False)
class FormulaFit:
    """A model fitted from an lme4 formula (`fit`).

    Attributes
    ----------
    formula : str
        The formula as given.
    parsed : ParsedFormula
        Its response, fixed part and random terms (nesting expanded).
    method : {"ML", "REML"}
        How the variance components were estimated.
    route : {"random_intercept", "random_slopes", "mixed"}
        Which fit made it (see the module's notes): its result is ``result``.
    result : PoolingFit or RandomSlopesFit or MixedFit
        The fit itself, with everything it reports.
    N : int
        Number of observations.
    fixed : pandas.Series
        Fixed effects $\\hat\\beta$, indexed by the model matrix's column names
        (``"(Intercept)"``, ``"x"``, ``"C(f)[T.b]"``, ...), as lme4's ``fixef``.
    se_fixed : pandas.Series
        Their standard errors, given the variance components (lme4's ``vcov``).
    cov_fixed : pandas.DataFrame
        Their covariance matrix, given the variance components.
    sigma_y : float
        Residual SD $\\hat\\sigma_y$.
    loglik : float
        lme4's ``logLik``: the REML criterion's for REML, else the ML log-likelihood.
    variance : pandas.DataFrame
        lme4's ``VarCorr``, one row per random effect: ``group`` (the term's factor, as
        lme4 labels it), ``name`` (``"(Intercept)"`` or the covariate), ``sd``, ``variance``
        and ``corr`` (its correlations with the term's earlier effects, a tuple), then a
        row ``Residual``.
    ranef : dict of str to pandas.DataFrame
        The conditional modes, levels x names, by term label (lme4's ``ranef``).
    Sigma : dict of str to pandas.DataFrame
        $\\hat\\Sigma_t$ by term label.
    singular : bool
        lme4's ``isSingular``: a diagonal element of some term's relative Cholesky factor
        below `partial_pooling.mixed.SINGULAR_TOL` $= 10^{-4}$ (a variance at 0, or a
        correlation of $\\pm 1$); `fit` then warns (`SingularFitWarning`).
    singular_terms : tuple of str
        The labels of those terms.
    converged : bool
        Whether the fit's optimizer met its convergence test.
    """

    formula: str
    parsed: ParsedFormula
    method: Method
    route: Route
    result: PoolingFit | RandomSlopesFit | MixedFit
    N: int
    fixed: pd.Series
    cov_fixed: pd.DataFrame
    sigma_y: float
    loglik: float
    ranef: dict[str, pd.DataFrame]
    Sigma: dict[str, pd.DataFrame]
    singular_terms: tuple[str, ...]
    converged: bool
    _fixed_spec: Any = field(repr=False)
    _terms: tuple[_Term, ...] = field(repr=False)
    _labels: tuple[str, ...] = field(repr=False)  # per term (in ``_terms`` order)
    _factor_levels: dict[str, frozenset[object]] = field(repr=False)
    _cross: tuple[np.ndarray, np.ndarray] = field(repr=False)  # Z_j'Z_j, Z_j'X_j (one term)

    @property
    def se_fixed(self) -> pd.Series:
        """Standard errors of ``fixed``."""
        return pd.Series(
            np.sqrt(np.diag(self.cov_fixed.to_numpy())), index=self.fixed.index, name="se"
        )

    @property
    def singular(self) -> bool:
        """Whether the fit is singular (lme4's ``isSingular``)."""
        return bool(self.singular_terms)

    @property
    def variance(self) -> pd.DataFrame:
        """lme4's ``VarCorr`` as a table (see the class's attributes)."""
        rows: list[dict[str, object]] = []
        for label in dict.fromkeys(self._labels):
            S = self.Sigma[label].to_numpy()
            sd = np.sqrt(np.diag(S))
            with np.errstate(invalid="ignore", divide="ignore"):
                corr = S / np.outer(sd, sd)
            for i, name in enumerate(self.Sigma[label].index):
                rows.append(
                    {
                        "group": label,
                        "name": name,
                        "sd": sd[i],
                        "variance": S[i, i],
                        "corr": tuple(float(corr[i, j]) for j in range(i)),
                    }
                )
        rows.append(
            {
                "group": "Residual",
                "name": "",
                "sd": self.sigma_y,
                "variance": self.sigma_y**2,
                "corr": (),
            }
        )
        return pd.DataFrame(rows)

    def group_table(self) -> pd.DataFrame:
        """One row per level of each random term: what the command line writes.

        Returns
        -------
        pandas.DataFrame
            Columns ``term`` (its label, as in ``ranef``), ``level``, ``n_j`` (the level's
            rows), and ``b_<NAME>`` for each random effect's name (``b_(Intercept)``,
            ``b_age``): the conditional modes $\\hat b_{tj}$ (lme4's ``ranef``); NaN where
            the term has no such effect.
        """
        frames = []
        for term, label in zip(self._terms, self._labels, strict=True):
            modes = self.ranef[label]
            frame = modes.add_prefix("b_").reset_index(drop=True)
            n = np.bincount(term.codes, minlength=len(term.levels))
            frame.insert(0, "n_j", n[term.levels.get_indexer(modes.index)])
            frame.insert(0, "level", [str(v) for v in modes.index])
            frame.insert(0, "term", label)
            frames.append(frame)
        return pd.concat(frames, ignore_index=True)

    def summary(self) -> Summary:
        """The `partial_pooling.summary.Summary` in lme4's style: the formula, the method,
        the log-likelihood, the random effects (SDs and correlations), the residual SD, the
        fixed effects with standard errors, and a "boundary (singular) fit" note."""
        facts: list[tuple[Label, Label]] = [
            (
                Label("Model"),
                Label(self.formula, f"<code>{html.escape(self.formula, quote=True)}</code>"),
            ),
            (Label("Method"), Label(METHOD_NAMES[self.method])),
            (Label("Observations N", "Observations <var>N</var>"), Label(f"{self.N}")),
        ]
        for label in dict.fromkeys(self._labels):
            facts.append((Label(f"Groups ({label})"), Label(f"{len(self.ranef[label])}")))
        name = "REML log-likelihood" if self.method == "REML" else "Log-likelihood (ML)"
        facts.append((Label(name), Label(f"{self.loglik:.4f}")))
        table = self.variance
        corrs = [tuple(float(c) for c in cs) for cs in table["corr"]]
        width = max((len(c) for c in corrs), default=0)
        rows = tuple(
            (
                Label(f"{group} {name}".strip()),
                (float(sd), float(var), *corrs[i], *([None] * (width - len(corrs[i])))),
            )
            for i, (group, name, sd, var) in enumerate(
                zip(table["group"], table["name"], table["sd"], table["variance"], strict=True)
            )
        )
        variance = SummaryTable(
            "variance-components",
            "Random effects",
            ("Std.Dev.", "Variance", *(["Corr."] * width)),
            rows,
            caption=f"estimated by {self.method}",
        )
        se = self.se_fixed
        fixed = SummaryTable(
            "fixed-effects",
            "Fixed effects",
            ("Estimate", "Std.Error"),
            tuple(
                (Label(str(name)), (float(self.fixed[name]), float(se[name])))
                for name in self.fixed.index
            ),
            caption="standard errors given the variance components, as lme4 reports them",
        )
        notes = []
        if self.singular:
            text = (
                f"boundary (singular) fit: in {', '.join(self.singular_terms)}, a diagonal "
                f"element of the relative Cholesky factor is below {SINGULAR_TOL:g} (a "
                "variance at 0 or a correlation of +-1; lme4's isSingular)"
            )
            notes.append(Label(text, text.replace("+-1", "±1")))
        return Summary(
            title=f"Linear mixed model fit by {self.method}",
            facts=facts,
            tables=(variance, fixed),
            notes=notes,
        )

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return (
            f"FormulaFit({self.formula!r}, method={self.method!r}, route={self.route!r}, "
            f"N={self.N}, sigma_y={self.sigma_y:.6g})"
        )

    def predict(self, newdata: pd.DataFrame, *, level: float = 0.95) -> pd.DataFrame:
        """Predictions for new rows: the fixed part plus each term's predicted effect for a
        level seen in fitting, the population level (effect 0) for a new one (lme4's
        ``predict`` with ``allow.new.levels = TRUE``), with intervals for a new observation.

        Parameters
        ----------
        newdata : pandas.DataFrame
            The columns the formula uses (the response is not needed).
        level : float
            Coverage of the intervals (normal quantiles, variance components as estimated).

        Returns
        -------
        pandas.DataFrame
            Indexed like ``newdata``: ``new_levels`` (how many of the row's terms have a
            level not seen in fitting), ``point``, ``se_mean`` (the standard error of
            ``point`` as an estimate of the row's mean: the fixed effects' uncertainty, the
            conditional variance of the seen levels' effects and their covariances, and
            $z'\\hat\\Sigma_tz$ for each new level), ``se_obs``
            ($\\sqrt{\\text{se\\_mean}^2 + \\hat\\sigma_y^2}$), ``lower`` and ``upper``
            (``point`` $\\mp z_{(1+\\text{level})/2}$ ``se_obs``).

        Raises
        ------
        ValueError
            If ``newdata`` is not a DataFrame, lacks a column, has a missing value, or a
            level of a fixed-effect factor that was not in the fitted data.
        """
        q = check_level(level)
        X, codes, Zs = self._new_rows(newdata)
        if self.route == "mixed":
            assert isinstance(self.result, MixedFit)
            order = _order(self.result, self._terms)
            pred = self.result.predict(
                X=X, codes=[codes[i] for i in order], Z=[Zs[i] for i in order]
            )
            point, se_mean = pred.mean, pred.se_mean
        else:
            point, se_mean = _one_factor_prediction(self, X, codes[0], Zs[0])
        se_obs = np.sqrt(se_mean**2 + self.sigma_y**2)
        half = stats.norm.ppf(0.5 + q / 2) * se_obs
        return pd.DataFrame(
            {
                "new_levels": np.sum([c < 0 for c in codes], axis=0).astype(int),
                "point": point,
                "se_mean": se_mean,
                "se_obs": se_obs,
                "lower": point - half,
                "upper": point + half,
            },
            index=newdata.index,
        )

    def _new_rows(
        self, newdata: pd.DataFrame
    ) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]:
        """X, codes (-1 for a new level) and Z of ``newdata``, checked."""
        if not isinstance(newdata, pd.DataFrame):
            raise ValueError(f"newdata must be a pandas DataFrame, got {type(newdata).__name__}")
        for name, seen in self._factor_levels.items():
            if name not in newdata.columns:
                continue
            new = [v for v in newdata[name].dropna().unique().tolist() if v not in seen]
            if new:
                raise ValueError(
                    f"newdata: column {name!r} has the level {new[0]!r}, which was not in the "
                    f"fitted data, so the fixed effects say nothing of it (the levels were "
                    f"{plain(sorted(map(str, seen))[:10])})"
                )
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            X = self._evaluate(self._fixed_spec, newdata, "the fixed part")
        codes, Zs = [], []
        for term in self._terms:
            Zs.append(self._evaluate(term.spec, newdata, f"the term {term.part.text}"))
            missing = [f for f in term.part.factors if f not in newdata.columns]
            if missing:
                raise ValueError(f"newdata lacks the grouping column {missing[0]!r}")
            labels = _labels(newdata, term.part.factors, self.formula, term.part.text)
            codes.append(np.asarray(term.levels.get_indexer(pd.Index(labels)), dtype=np.int64))
        return X, codes, Zs

    def _evaluate(self, spec: Any, newdata: pd.DataFrame, where: str) -> np.ndarray:
        try:
            return np.asarray(
                spec.get_model_matrix(newdata, na_action="raise", context=_CONTEXT), dtype=float
            )
        except Exception as exc:  # formulaic raises many kinds: one message naming the part
            raise ValueError(f"newdata: {where}: {_first_line(exc)}") from None


def _order(result: MixedFit, terms: Sequence[_Term]) -> list[int]:
    """For each of the fit's terms (lme4's order), the index of the formula's term."""
    left = list(range(len(terms)))
    out = []
    for t in result.terms:
        i = next(i for i in left if (terms[i].part.group, terms[i].names) == (t.group, t.names))
        left.remove(i)
        out.append(i)
    return out


def _one_factor_prediction(
    fit: FormulaFit, X: np.ndarray, codes: np.ndarray, Z: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Point and prediction-error SD of the mean for the one-factor routes (Henderson).

    With $D = \\hat\\Sigma/\\hat\\sigma_y^2$, $C_j = Z_j'Z_j$ and $B_j = Z_j'X_j$ (the
    group's cross-products in the fitted data), the conditional mode is
    $\\hat b_j = D(I + C_jD)^{-1}Z_j'(y_j - X_j\\hat\\beta)$, so a row $(x, z)$ of a seen
    group $j$ has the prediction error variance
    $c'\\,\\mathrm{cov}(\\hat\\beta)\\,c + \\hat\\sigma_y^2 z'D(I + C_jD)^{-1}z$ with
    $c = x - B_j'(I + DC_j)^{-1}Dz$ (the error of the mode at known $\\beta$ is uncorrelated
    with $\\hat\\beta$); a row of a new group has $x'\\mathrm{cov}(\\hat\\beta)x +
    z'\\hat\\Sigma z$. This is the inverse of the mixed-model equations written per group:
    the quantity `partial_pooling.mixed.MixedFit.predict` computes from its sparse factor,
    and `partial_pooling.prediction.predict` for the random intercept.
    """
    label = fit._labels[0]
    C, B = fit._cross
    b = fit.ranef[label].to_numpy()
    seen = codes >= 0
    point = X @ fit.fixed.to_numpy()
    point[seen] += np.einsum("ra,ra->r", Z[seen], b[codes[seen]])
    S = fit.Sigma[label].to_numpy()
    D = S / fit.sigma_y**2
    k = Z.shape[1]
    V = fit.cov_fixed.to_numpy()
    var = np.einsum("ra,ab,rb->r", X, V, X) + np.einsum("ra,ab,rb->r", Z, S, Z)
    for r in np.flatnonzero(seen):
        j = codes[r]
        DinvC = D @ np.linalg.inv(np.eye(k) + C[j] @ D)  # D(I + C_j D)^{-1}, symmetric
        c = X[r] - B[j].T @ (DinvC.T @ Z[r])
        var[r] = c @ V @ c + fit.sigma_y**2 * float(Z[r] @ DinvC @ Z[r])
    return point, np.sqrt(var)


# ---------------------------------------------------------------------------------------------
# the fit


def _route(parsed: ParsedFormula, X_names: list[str], terms: list[_Term]) -> Route:
    if len(terms) != 1 or len(terms[0].part.factors) != 1 or "Intercept" not in X_names:
        return "mixed"
    names = terms[0].names
    if names == (_INTERCEPT,):
        return "random_intercept"
    if names[0] == _INTERCEPT and [_lme4_name(n) for n in X_names] == list(names):
        return "random_slopes"
    return "mixed"


def fit(formula: str, data: pd.DataFrame, *, method: Method = "REML") -> FormulaFit:
    """Fit a linear mixed model written as an lme4 formula, by REML or ML.

    Parameters
    ----------
    formula : str
        ``"y ~ fixed + (lhs | g) + ..."`` (see the module's notes for the random terms).
    data : pandas.DataFrame
        One row per observation, with every column the formula names.
    method : {"REML", "ML"}

    Returns
    -------
    FormulaFit

    Raises
    ------
    ValueError
        For a syntax error (naming the character), an unknown column (with the nearest
        names), a missing value, a grouping factor with one level, or a random slope
        constant within every level of its factor (naming the term).

    Warns
    -----
    SingularFitWarning
        When the fit is singular (lme4's "boundary (singular) fit").
    """
    m = check_method(method)
    parsed = parse_formula(formula)
    if not isinstance(data, pd.DataFrame):
        raise ValueError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    if len(data) == 0:
        raise ValueError("the data frame is empty: there is nothing to fit")
    _check_names(parsed, data)
    _check_missing(parsed, data)
    mm = _matrix(f"{parsed.response} ~ {parsed.fixed}", data, formula, "the fixed part")
    y_frame = mm.lhs
    if y_frame.shape[1] != 1:
        raise ValueError(f"formula {formula!r}: the response must be one numeric column")
    y = np.asarray(y_frame, dtype=float)[:, 0]
    X_names = [str(c) for c in mm.rhs.columns]
    X = np.asarray(mm.rhs, dtype=float)
    terms = [_evaluate_term(part, data, formula) for part in parsed.random]
    if not terms:
        raise ValueError(
            f"formula {formula!r} has no random term: add one, e.g. (1 | g), or fit it by "
            "least squares"
        )
    _check_distinct_terms(terms, formula)
    route = _route(parsed, X_names, terms)
    names = [_lme4_name(n) for n in X_names]
    if route == "mixed":
        mixed = fit_mixed(y=y, X=X, X_names=names, terms=[t.random_term() for t in terms], method=m)
        result: PoolingFit | RandomSlopesFit | MixedFit = mixed
        made = _from_mixed(mixed, terms)
    else:
        result, made = _one_factor(route, y, X, names, terms[0], m)
    out = FormulaFit(
        formula=formula,
        parsed=parsed,
        method=m,
        route=route,
        result=result,
        N=len(y),
        _fixed_spec=mm.model_spec.rhs,
        _terms=tuple(terms),
        _factor_levels=_categorical_levels(parsed.fixed, data),
        _cross=_cross_products(terms[0], X),
        **made,
    )
    if out.singular:
        warn_singular(f"{formula!r}: {', '.join(out.singular_terms)}")
    return out


def _check_distinct_terms(terms: Sequence[_Term], formula: str) -> None:
    """Two terms with the same columns whose factors group the rows identically (``(1 | g)``
    and ``(1 | g:h)`` with ``h`` constant within ``g``) have variances that cannot be told
    apart: an error naming both."""
    for i, a in enumerate(terms):
        for b in terms[i + 1 :]:
            if len(a.levels) != len(b.levels) or not np.array_equal(a.Z, b.Z):
                continue
            pairs = len(pd.MultiIndex.from_arrays([a.codes, b.codes]).unique())
            if pairs == len(a.levels):
                raise ValueError(
                    f"formula {formula!r}: the terms {a.part.label} and {b.part.label} group "
                    "the rows identically (each level of one is a level of the other), so "
                    "their variances cannot be told apart; drop one"
                )


def _cross_products(term: _Term, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per level of ``term``: $Z_j'Z_j$ and $Z_j'X_j$ (for `_one_factor_prediction`)."""
    J, k = len(term.levels), term.Z.shape[1]
    C = np.zeros((J, k, k))
    B = np.zeros((J, k, X.shape[1]))
    np.add.at(C, term.codes, term.Z[:, :, None] * term.Z[:, None, :])
    np.add.at(B, term.codes, term.Z[:, :, None] * X[:, None, :])
    return C, B


def _from_mixed(result: MixedFit, terms: list[_Term]) -> dict[str, Any]:
    order = _order(result, terms)
    labels = [""] * len(terms)
    for label, i in zip(result.labels, order, strict=True):
        labels[i] = label
    return {
        "fixed": result.beta.rename("estimate"),
        "cov_fixed": result.beta_cov,
        "sigma_y": result.sigma_y,
        "loglik": result.loglik,
        "ranef": dict(result.ranef),
        "Sigma": dict(result.Sigma),
        "singular_terms": tuple(result.singular_terms),
        "converged": result.converged,
        "_labels": tuple(labels),
    }


def _one_factor(
    route: Route, y: np.ndarray, X: np.ndarray, names: list[str], term: _Term, method: Method
) -> tuple[PoolingFit | RandomSlopesFit, dict[str, Any]]:
    """The random-intercept or random-slopes fit of one ``(1 + ... | g)`` term."""
    group = "__group__"
    covariates = names[1:]
    frame = pd.DataFrame(X[:, 1:], columns=pd.Index(covariates, dtype=object))
    frame.insert(0, group, np.asarray(term.levels)[term.codes])
    frame.insert(0, "__y__", y)
    label = term.part.group
    result: PoolingFit | RandomSlopesFit
    if route == "random_intercept":
        result = fit_random_intercept(
            frame, y="__y__", group=group, x=covariates or None, method=method
        )
        ranef = result.ranef.rename(columns={"Intercept": _INTERCEPT})
        Sigma = pd.DataFrame([[result.sigma_alpha**2]], index=[_INTERCEPT], columns=[_INTERCEPT])
    else:
        result = fit_random_slopes(frame, y="__y__", group=group, x=covariates, method=method)
        ranef = result.ranef.rename(columns={"Intercept": _INTERCEPT})
        Sigma = result.cov.rename(
            index={"Intercept": _INTERCEPT}, columns={"Intercept": _INTERCEPT}
        )
    ranef = ranef.reindex(pd.Index(term.levels))
    cov = result.cov_fixed.to_numpy()
    lam = relative_cholesky(Sigma.to_numpy(), sigma_y=result.sigma_y)
    singular = bool((np.diag(lam) < SINGULAR_TOL).any()) or result.singular
    return result, {
        "fixed": pd.Series(result.fixed.to_numpy(), index=names, name="estimate"),
        "cov_fixed": pd.DataFrame(cov, index=names, columns=names),
        "sigma_y": result.sigma_y,
        "loglik": result.loglik,
        "ranef": {label: ranef},
        "Sigma": {label: Sigma},
        "singular_terms": (label,) if singular else (),
        "converged": result.converged,
        "_labels": (label,),
    }
