r"""Why pooling pays: the mean squared error of the three estimators, and Efron and Morris.

Two kinds of evidence that partial pooling estimates group intercepts better than either limit.

**Simulation.** `pooling_mse` draws data sets from the random-intercept model (with
`partial_pooling.simulation.simulate_groups`), fits complete, no and partial pooling to each and
records the squared error $(\hat\alpha_j - \alpha_j)^2$ of every group's intercept against the
true $\alpha_j$. It also records the *oracle* shrinkage estimator, which knows
$\mu_\alpha$, $\beta$, $\sigma_\alpha$ and $\sigma_y$:

$$
\tilde\alpha_j = \lambda_j(\bar y_j - \beta\bar x_j) + (1 - \lambda_j)\mu_\alpha,
\qquad
\operatorname{E}(\tilde\alpha_j - \alpha_j)^2 = \sigma_\alpha^2(1 - \lambda_j)
= \frac{\sigma_\alpha^2\sigma_y^2}{n_j\sigma_\alpha^2 + \sigma_y^2},
$$

a closed form (`oracle_risk`) against which the simulation itself can be checked; with
$\beta$ absent the no-pooling estimator $\bar y_j$ has the closed form $\sigma_y^2/n_j$.
`mse_summary` turns the squared errors into mean squared errors with Monte Carlo standard
errors, overall or by any grouping (group size, say).

**Efron and Morris's baseball data.** `james_stein` is the estimator exactly as Efron and
Morris (1975, 1977) applied it to the batting averages of 18 players after 45 at-bats;
`trials_frame` turns hits and at-bats into one 0/1 row per at-bat, so that the
random-intercept model can be fitted to the same data; `baseball_estimates` lays the raw
averages, the grand mean, James-Stein and the REML (or ML) partial-pooling estimates side by side
with the rest-of-season averages they are meant to predict.

References
----------
Efron and Morris (1975, 1977), as cited at `partial_pooling.datasets.efron_morris`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..estimation import fit_random_intercept, pooling_intercepts
from ..grouped import GroupedData, group_data, plain
from ..shrinkage import shrinkage_factor
from ..simulation import draw_arrays, simulate_groups
from ..validation import Method, check_finite, check_method, check_non_negative, check_sd

__all__ = [
    "ESTIMATORS",
    "JamesStein",
    "baseball_estimates",
    "holds_from",
    "holds_through",
    "james_stein",
    "mse_summary",
    "oracle_conditional_risk",
    "oracle_risk",
    "oracle_shrinkage",
    "pooling_mse",
    "squared_error_totals",
    "trials_frame",
]

#: The estimators whose squared errors `pooling_mse` records, in display order.
ESTIMATORS = ("complete", "none", "partial", "oracle")
_COLUMNS = ("sigma_alpha", "ratio", "rep", "group", "n", "alpha", "boundary", *ESTIMATORS)


def oracle_shrinkage(
    adjusted_ybar: np.ndarray | pd.Series,
    n: np.ndarray | pd.Series,
    *,
    mu: float,
    sigma_alpha: float,
    sigma_y: float,
) -> np.ndarray | pd.Series:
    r"""The shrinkage estimator with the true parameters plugged in.

    $$
    \tilde\alpha_j = \lambda_j(\bar y_j - \beta\bar x_j) + (1 - \lambda_j)\mu_\alpha,
    \qquad
    \lambda_j = \frac{n_j\sigma_\alpha^2}{n_j\sigma_\alpha^2 + \sigma_y^2}.
    $$

    Parameters
    ----------
    adjusted_ybar : array_like or Series
        $\bar y_j - \beta\bar x_j$ with the true $\beta$ (just $\bar y_j$ without a covariate).
    n : array_like or Series
        Group sizes $n_j$.
    mu, sigma_alpha, sigma_y : float
        The true $\mu_\alpha$, $\sigma_\alpha \ge 0$ and $\sigma_y > 0$.

    Returns
    -------
    ndarray or Series
        $\tilde\alpha_j$, shaped (and indexed) like ``adjusted_ybar``.
    """
    lam = np.asarray(
        shrinkage_factor(np.asarray(n, dtype=float), sigma_alpha=sigma_alpha, sigma_y=sigma_y)
    )
    out = lam * np.asarray(adjusted_ybar, dtype=float) + (1.0 - lam) * check_finite("mu", mu)
    if isinstance(adjusted_ybar, pd.Series):
        return pd.Series(out, index=adjusted_ybar.index, name="alpha")
    return np.asarray(out)


def oracle_risk(
    n: float | np.ndarray | pd.Series, *, sigma_alpha: float, sigma_y: float
) -> np.ndarray | pd.Series:
    r"""Expected squared error of the oracle shrinkage estimator of $\alpha_j$.

    $$
    \operatorname{E}(\tilde\alpha_j - \alpha_j)^2 = \sigma_\alpha^2(1 - \lambda_j)
    = \frac{\sigma_\alpha^2\sigma_y^2}{n_j\sigma_\alpha^2 + \sigma_y^2}
    = \Big(\frac{1}{\sigma_\alpha^2} + \frac{n_j}{\sigma_y^2}\Big)^{-1},
    $$

    the posterior variance of $\alpha_j$: always below both $\sigma_\alpha^2$ (the risk of
    $\mu_\alpha$ itself) and $\sigma_y^2/n_j$ (the risk of $\bar y_j$). Zero when
    $\sigma_\alpha = 0$.

    Returns
    -------
    ndarray or Series
        Shaped (and indexed) like ``n``.
    """
    lam = shrinkage_factor(n, sigma_alpha=sigma_alpha, sigma_y=sigma_y)
    risk = sigma_alpha**2 * (1.0 - np.asarray(lam, dtype=float))
    if isinstance(n, pd.Series):
        return pd.Series(risk, index=n.index, name="oracle_risk")
    return risk


def oracle_conditional_risk(
    a: float | np.ndarray, n: float | np.ndarray, *, sigma_alpha: float, sigma_y: float
) -> float | np.ndarray:
    r"""Squared error of the oracle shrinkage estimator for a group with a given effect $a_j$.

    Given $a_j = \alpha_j - \mu_\alpha$, the oracle estimate errs by
    $-(1 - \lambda_j)a_j$ (bias toward the population) plus $\lambda_j$ times the noise of
    the group mean, so

    $$
    \operatorname{E}\big[(\tilde\alpha_j - \alpha_j)^2 \mid a_j\big]
    = (1 - \lambda_j)^2 a_j^2 + \lambda_j^2\,\frac{\sigma_y^2}{n_j}.
    $$

    It exceeds the no-pooling risk $\sigma_y^2/n_j$ exactly when
    $|a_j| > \sigma_\alpha\sqrt{(1 + \lambda_j)/\lambda_j}$: a group that far out is
    better served by its own data. Averaged over $a_j \sim N(0, \sigma_\alpha^2)$ it is
    `oracle_risk`.

    Returns
    -------
    float or ndarray
        Broadcast over ``a`` and ``n``.
    """
    lam = np.asarray(
        shrinkage_factor(np.asarray(n, dtype=float), sigma_alpha=sigma_alpha, sigma_y=sigma_y)
    )
    a_arr = np.asarray(a, dtype=float)
    risk = (1.0 - lam) ** 2 * a_arr**2 + lam**2 * sigma_y**2 / np.asarray(n, dtype=float)
    return float(risk) if np.ndim(risk) == 0 else risk


def pooling_mse(
    n: Sequence[int] | np.ndarray | pd.Series,
    *,
    mu: float,
    beta: float | None,
    sigma_alpha: float | Sequence[float] | np.ndarray,
    sigma_y: float,
    reps: int,
    rng: np.random.Generator | int | None,
    method: Method = "REML",
) -> pd.DataFrame:
    r"""Squared errors of complete, no, partial and oracle pooling over simulated data sets.

    For each value of $\sigma_\alpha$ and each of ``reps`` replications, one data set is drawn
    with `partial_pooling.simulation.simulate_groups` (group sizes ``n``; a covariate with
    within-group SD 1 when ``beta`` is given) and four estimates of every group intercept are
    made:

    - ``complete``: complete pooling (OLS), $\hat\alpha_j = \hat\mu$;
    - ``none``: no pooling (the within estimator), $\hat\alpha_j = \bar y_j - \hat\beta_W\bar x_j$;
    - ``partial``: partial pooling, `partial_pooling.fit_random_intercept` (REML by default);
    - ``oracle``: `oracle_shrinkage` with the true $\mu_\alpha, \beta, \sigma_\alpha,
      \sigma_y$.

    Parameters
    ----------
    n : sequence of int
        Group sizes $n_1, \dots, n_J$ (the same design in every replication).
    mu : float
        $\mu_\alpha$.
    beta : float or None
        $\beta$; None simulates and fits the model without a covariate.
    sigma_alpha : float or sequence of float
        One or more values of $\sigma_\alpha \ge 0$.
    sigma_y : float
        $\sigma_y > 0$.
    reps : int
        Replications per value of $\sigma_\alpha$.
    rng : numpy.random.Generator or int or None
        Source of randomness (advanced in place if a generator); the values of $\sigma_\alpha$
        are simulated in the order given, the replications in order within each.
    method : {"REML", "ML"}
        How partial pooling estimates the variance components.

    Returns
    -------
    pandas.DataFrame
        One row per value of $\sigma_\alpha$, replication and group
        (``len(sigma_alpha) * reps * J`` rows), with columns ``sigma_alpha``, ``ratio``
        ($\sigma_\alpha/\sigma_y$), ``rep`` (0, 1, ...), ``group`` (label), ``n`` ($n_j$),
        ``alpha`` (the true $\alpha_j$), ``boundary`` (True when the partial-pooling fit of that
        replication has $\hat\sigma_\alpha = 0$), and the squared errors
        $(\hat\alpha_j - \alpha_j)^2$ in ``complete``, ``none``, ``partial`` and ``oracle``.

    Examples
    --------
    >>> errors = pooling_mse(
    ...     [2, 5, 10], mu=0.0, beta=None, sigma_alpha=[0.5, 1.0], sigma_y=1.0, reps=2, rng=1
    ... )
    >>> errors.shape
    (12, 11)
    """
    if not isinstance(reps, int | np.integer) or reps < 1:
        raise ValueError(f"reps must be an integer >= 1, got {plain(reps)}")
    method = check_method(method)
    sizes = np.asarray(n, dtype=np.int64)
    try:
        sigmas = np.atleast_1d(np.asarray(sigma_alpha, dtype=float))
    except (TypeError, ValueError):
        raise ValueError(
            f"sigma_alpha must be one or more real numbers, got {plain(sigma_alpha)}"
        ) from None
    sigma_y = check_sd("sigma_y", sigma_y, positive=True)
    # the first data set goes through simulate_groups and group_data, which check every
    # argument and the data; the rest reuse its checked design and draw only new numbers
    for sa in sigmas:
        check_non_negative("sigma_alpha", sa)
    first = simulate_groups(
        sizes, mu=mu, beta=beta, sigma_alpha=float(sigmas[0]), sigma_y=sigma_y, rng=1
    )
    design = group_data(first.data, y="y", group="group", x=None if beta is None else "x")
    labels = first.alpha.index
    group = labels.to_numpy(dtype=object)
    generator = np.random.default_rng(rng)
    columns: dict[str, list[np.ndarray]] = {name: [] for name in _COLUMNS}
    for sa in sigmas:
        for rep in range(int(reps)):
            truth, which, xv, yv = draw_arrays(
                sizes, mu, beta, float(sa), sigma_y, 1.0, 0.0, generator
            )
            g = GroupedData(
                y=yv,
                x=np.empty((yv.size, 0)) if xv is None else xv[:, None],
                codes=which,
                labels=labels,
                y_name="y",
                group_name="group",
                x_names=design.x_names,
            )
            estimates, at_boundary = pooling_intercepts(g, method)
            adjusted = g.ybar if beta is None else g.ybar - beta * g.xbar[:, 0]
            oracle = oracle_shrinkage(
                adjusted, sizes, mu=mu, sigma_alpha=float(sa), sigma_y=sigma_y
            )
            J = truth.size
            row = {
                "sigma_alpha": np.full(J, float(sa)),
                "ratio": np.full(J, float(sa) / sigma_y),
                "rep": np.full(J, rep, dtype=np.int64),
                "group": group,
                "n": sizes,
                "alpha": truth,
                "boundary": np.full(J, bool(at_boundary)),
                "oracle": (np.asarray(oracle) - truth) ** 2,
            }
            for name, alpha in estimates.items():
                row[name] = (alpha - truth) ** 2
            for name in _COLUMNS:
                columns[name].append(row[name])
    return pd.DataFrame({name: np.concatenate(parts) for name, parts in columns.items()})


def mse_summary(
    errors: pd.DataFrame,
    by: str | Sequence[str] = "ratio",
    estimators: Sequence[str] = ESTIMATORS,
    reference: str = "none",
) -> pd.DataFrame:
    r"""Mean squared errors with Monte Carlo standard errors, overall or within subsets.

    Within each cell of ``by`` the squared errors are first averaged over the groups of each
    replication, giving one number per replication, $m_r$; the mean squared error is the mean
    of the $m_r$ over the $R$ replications and its Monte Carlo standard error is their standard
    deviation over $\sqrt R$. (Groups of one replication share the estimated $\hat\mu$ and
    variance components, so their errors are not independent; replications are.)

    The risk relative to ``reference`` is the ratio of mean squared errors
    $\bar m / \bar m_{\text{ref}}$, with the delta-method standard error
    $\operatorname{sd}_r(m_r - \rho\, m_{\text{ref},r}) / (\sqrt R\, \bar m_{\text{ref}})$
    that accounts for the pairing of estimators within a replication.

    Parameters
    ----------
    errors : pandas.DataFrame
        From `pooling_mse`, possibly with extra columns to group by (a size class, say).
    by : str or sequence of str
        Column(s) defining the cells (``"ratio"`` by default).
    estimators : sequence of str
        Columns of squared errors to summarise.
    reference : str
        Estimator that relative risks are taken against (no pooling by default).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``by``; for each estimator ``e`` the columns ``mse_e``, ``se_e``
        (Monte Carlo SE), ``rel_e`` and ``rel_se_e`` (relative to ``reference``); and ``reps``,
        the number of replications behind the cell.
    """
    keys = [by] if isinstance(by, str) else list(by)
    cols = list(dict.fromkeys([*estimators, reference]))
    per_rep = errors.groupby([*keys, "rep"], observed=True)[cols].mean()
    levels = list(range(len(keys)))
    grouped = per_rep.groupby(level=levels, observed=True)
    count = grouped.size()
    means = grouped.mean()
    cell_means = grouped.transform("mean")
    out = pd.DataFrame(index=means.index)
    for e in estimators:
        rel = means[e] / means[reference]
        rel_per_rep = cell_means[e] / cell_means[reference]
        resid = per_rep[e] - rel_per_rep * per_rep[reference]
        resid_sd = resid.groupby(level=levels, observed=True).std(ddof=1)
        out[f"mse_{e}"] = means[e]
        out[f"se_{e}"] = grouped[e].std(ddof=1) / np.sqrt(count)
        out[f"rel_{e}"] = rel
        out[f"rel_se_{e}"] = resid_sd / (np.sqrt(count) * means[reference])
    out["reps"] = count
    return out


def holds_through(condition: pd.Series) -> float | None:
    r"""The largest index up to which ``condition`` holds at every index (sorted), or None.

    For claims of the form "at every ratio up to $r$": ``condition`` is a boolean Series
    indexed by the ratio $\sigma_\alpha/\sigma_y$ of a grid; the answer is the last grid ratio
    $r$ such that the condition holds at $r$ and at every smaller grid ratio, None when it fails
    at the smallest.

    Examples
    --------
    >>> holds_through(pd.Series([True, True, False, True], index=[0.0, 0.1, 0.2, 0.3]))
    0.1
    """
    ordered = pd.Series(condition, dtype=bool).sort_index()
    failed = ~ordered.to_numpy()
    last = int(np.argmax(failed)) - 1 if failed.any() else len(ordered) - 1
    return None if last < 0 else float(ordered.index[last])


def holds_from(condition: pd.Series) -> float | None:
    r"""The smallest index from which ``condition`` holds at every larger index, or None.

    For claims of the form "at every ratio from $r$ on": the first grid ratio $r$ such that
    the condition holds at $r$ and at every larger grid ratio, None when it fails at the
    largest.

    Examples
    --------
    >>> holds_from(pd.Series([True, False, True, True], index=[0.0, 0.1, 0.2, 0.3]))
    0.2
    """
    ordered = pd.Series(condition, dtype=bool).sort_index()
    reverse = ordered.iloc[::-1]
    start = holds_through(pd.Series(reverse.to_numpy(), index=-reverse.index.to_numpy(float)))
    return None if start is None else -start


# --- Efron and Morris ---------------------------------------------------------------------------


@dataclass(frozen=True)
class JamesStein:
    r"""The James-Stein estimate as Efron and Morris computed it for batting averages.

    Attributes
    ----------
    grand_mean : float
        $\bar y$, the average of the $k$ observed averages.
    sigma2 : float
        $\sigma^2 = \bar y(1 - \bar y)/n$, the binomial variance of one average at the grand
        mean.
    c : float
        The shrinking factor $c = 1 - (k - 3)\sigma^2 / \sum_j (y_j - \bar y)^2$ (kept at 0 or
        above: the positive-part estimator; for the baseball data it is positive anyway).
    estimate : pandas.Series
        $z_j = \bar y + c\,(y_j - \bar y)$, indexed like the input.
    """

    grand_mean: float
    sigma2: float
    c: float
    estimate: pd.Series


def james_stein(average: pd.Series, n: int) -> JamesStein:
    r"""James-Stein shrinkage of $k$ batting averages toward their grand mean.

    Efron and Morris (1977) shrink each player's average $y_j$ over $n$ at-bats toward the
    grand mean $\bar y$ by the factor

    $$
    c = 1 - \frac{(k - 3)\,\sigma^2}{\sum_{j=1}^k (y_j - \bar y)^2},
    \qquad \sigma^2 = \frac{\bar y(1 - \bar y)}{n},
    \qquad z_j = \bar y + c\,(y_j - \bar y).
    $$

    $k - 3$ rather than the $k - 2$ of shrinkage toward a fixed point, because the target
    $\bar y$ is itself estimated. In the site's notation $c$ plays the part of $\lambda_j$
    (the weight on the player's own data), $\bar y$ that of $\hat\mu$.

    Parameters
    ----------
    average : pandas.Series
        The $k \ge 4$ observed averages $y_j$, indexed by player.
    n : int
        At-bats behind each average (45 for Efron and Morris).

    Returns
    -------
    JamesStein
    """
    y = pd.Series(average, dtype=float)
    k = len(y)
    if k < 4:
        raise ValueError(f"James-Stein shrinkage toward the mean needs k >= 4 averages, got {k}")
    if not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"n must be an integer >= 1 (at-bats per player), got {plain(n)}")
    grand = float(y.mean())
    sigma2 = grand * (1.0 - grand) / int(n)
    spread = float(((y - grand) ** 2).sum())
    c = max(0.0, 1.0 - (k - 3) * sigma2 / spread) if spread > 0 else 0.0
    return JamesStein(grand, sigma2, c, (grand + c * (y - grand)).rename("james_stein"))


def trials_frame(hits: pd.Series, at_bats: pd.Series | int) -> pd.DataFrame:
    r"""One row per trial: $y_{ij} = 1$ for a hit, 0 otherwise.

    Player $j$ with $h_j$ hits in $n_j$ at-bats becomes $h_j$ rows with $y_{ij} = 1$ followed
    by $n_j - h_j$ rows with $y_{ij} = 0$, so that the group mean $\bar y_j$ is the batting
    average $h_j / n_j$ exactly. (The order within a player does not matter to any of the
    fits.)

    Parameters
    ----------
    hits : pandas.Series
        Hits $h_j$, indexed by player (the group labels).
    at_bats : pandas.Series or int
        At-bats $n_j$, indexed like ``hits``, or one number for all.

    Returns
    -------
    pandas.DataFrame
        Columns ``group`` (the player) and ``y`` (float64, 0 or 1); $\sum_j n_j$ rows.
    """
    h = pd.Series(hits).astype(np.int64)
    if isinstance(at_bats, pd.Series):
        total = at_bats.reindex(h.index).astype(np.int64)
    else:
        total = pd.Series(int(at_bats), index=h.index)
    if ((h < 0) | (h > total)).any():
        raise ValueError("hits must lie between 0 and the number of at-bats for every player")
    groups = np.repeat(h.index.to_numpy(), total.to_numpy())
    y = np.concatenate([np.r_[np.ones(a), np.zeros(b - a)] for a, b in zip(h, total, strict=True)])
    return pd.DataFrame({"group": groups, "y": y})


def baseball_estimates(frame: pd.DataFrame, method: Method = "REML") -> pd.DataFrame:
    r"""Four predictions of each player's rest-of-season average from his first at-bats.

    Parameters
    ----------
    frame : pandas.DataFrame
        As returned by `partial_pooling.datasets.efron_morris` (columns ``name``, ``hits``,
        ``at_bats``, ``average``, ``rest_average``).
    method : {"REML", "ML"}
        How the partial-pooling fit estimates $\sigma_\alpha$ and $\sigma_y$.

    Returns
    -------
    pandas.DataFrame
        Indexed by player name, in the frame's order, with columns ``n`` (at-bats), ``none``
        (the published first-at-bats average: no pooling), ``complete`` (the grand mean of
        those averages: complete pooling), ``james_stein`` (`james_stein` on the
        published averages), ``partial`` (partial-pooling intercepts $\hat\alpha_j$ of
        `partial_pooling.fit_random_intercept` on `trials_frame`), ``shrinkage``
        ($\lambda_j$ of that fit) and ``rest_average`` (the target).
    """
    method = check_method(method)
    data = frame.set_index("name")
    at_bats = data["at_bats"]
    if at_bats.nunique() != 1:
        raise ValueError("Efron and Morris's James-Stein formula needs equal at-bats per player")
    js = james_stein(data["average"], int(at_bats.iloc[0]))
    fit = fit_random_intercept(
        trials_frame(data["hits"], at_bats), y="y", group="group", method=method
    )
    return pd.DataFrame(
        {
            "n": at_bats,
            "none": data["average"],
            "complete": js.grand_mean,
            "james_stein": js.estimate,
            "partial": fit.alpha.reindex(data.index),
            "shrinkage": fit.shrinkage.reindex(data.index),
            "rest_average": data["rest_average"],
        }
    )


def squared_error_totals(
    estimates: pd.DataFrame,
    target: str = "rest_average",
    columns: Sequence[str] = ("none", "complete", "james_stein", "partial"),
) -> pd.Series:
    r"""Total squared error $\sum_j (\hat\theta_j - \theta_j)^2$ of each column against the target.

    Returns
    -------
    pandas.Series
        Indexed by ``columns``.
    """
    truth = estimates[target]
    return pd.Series(
        {c: float(((estimates[c] - truth) ** 2).sum()) for c in columns}, name="total_sq_error"
    )
