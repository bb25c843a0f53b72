"""Partial pooling of proportions: the logistic random-intercept model, fitted exactly.

The model for $y_{ij}$ successes out of $m_{ij}$ trials (a 0/1 row is one trial):

$$y_{ij} \\sim \\operatorname{Binomial}(m_{ij}, p_{ij}), \\qquad
\\operatorname{logit} p_{ij} = \\alpha_j + x_{ij}'\\beta, \\qquad
\\alpha_j = \\mu_\\alpha + a_j, \\quad a_j \\sim N(0, \\sigma_\\alpha^2).$$

The likelihood of group $j$ is an integral over its intercept that has no closed form; with
$a_j = \\sigma_\\alpha u_j$ and $f_j(u) = \\prod_i \\binom{m_{ij}}{y_{ij}} p_{ij}^{y_{ij}}
(1 - p_{ij})^{m_{ij} - y_{ij}}$,

$$L_j = \\int f_j(u)\\, \\phi(u)\\, du
\\approx \\hat s_j \\sum_{k=1}^{K} w_k\\, \\frac{f_j(\\hat u_j + \\hat s_j z_k)\\,
\\phi(\\hat u_j + \\hat s_j z_k)}{\\phi(z_k)},$$

adaptive Gauss-Hermite quadrature with $K$ = ``n_agq`` points: $z_k, w_k$ the Gauss-Hermite
rule for the standard normal density $\\phi$, centred at the conditional mode $\\hat u_j$ of
$f_j(u)\\phi(u)$ and scaled by $\\hat s_j = (1 + \\sigma_\\alpha^2 \\sum_i m_{ij} p_{ij}
(1 - p_{ij}))^{-1/2}$, the inverse square root of its curvature there. One point is the Laplace
approximation. These are lme4's definitions for ``glmer(..., nAGQ = K)`` (``src/external.cpp``,
``glmerAGQ``), its log-likelihood included: the binomial coefficients are in it.

`fit_binomial` maximizes $\\sum_j \\log L_j$ jointly over $(\\mu_\\alpha, \\beta,
\\log\\sigma_\\alpha)$ with the exact gradient of the quadrature formula (the mode and the
curvature move with the parameters: both are differentiated), then polishes with Newton steps
on a Hessian by central differences of that gradient, which also gives the standard errors.
`binomial_loglik` evaluates the same log-likelihood at given parameters.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.polynomial.hermite_e import hermegauss
from scipy import optimize
from scipy.special import expit, gammaln

from .grouped import ColumnName, GroupedData, group_data, plain
from .threads import one_blas_thread
from .validation import beta_vector, check_finite, check_sd, warn_not_converged

__all__ = ["BinomialFit", "binomial_loglik", "fit_binomial"]

#: The largest number of quadrature points accepted.
MAX_AGQ = 100


@dataclass(frozen=True, eq=False)
class _GroupSums:
    """``G @ values``: the per-group sums of the rows of ``values`` (rows sorted by group)."""

    starts: np.ndarray

    def __matmul__(self, values: np.ndarray) -> np.ndarray:
        return np.asarray(np.add.reduceat(values, self.starts, axis=0))


@dataclass(frozen=True, eq=False)
class _Binomial:
    """Checked binomial data: successes ``y``, trials ``m``, design ``X1 = [1, x^s]`` in the
    centred, scaled covariates, the group codes and sums (rows sorted by group), the constant
    sum of log binomial coefficients, and the map ``T`` from standardized coefficients to
    $(\\mu_\\alpha, \\beta)$."""

    g: GroupedData
    y: np.ndarray
    m: np.ndarray
    X1: np.ndarray
    codes: np.ndarray
    G: _GroupSums
    log_choose: float
    T: np.ndarray


def _check_n_agq(n_agq: object) -> int:
    if (
        isinstance(n_agq, bool | np.bool_)
        or not isinstance(n_agq, numbers.Integral)
        or not 1 <= int(n_agq) <= MAX_AGQ
    ):
        raise ValueError(
            f"n_agq must be an integer from 1 (Laplace) to {MAX_AGQ}, got {plain(n_agq)}"
        )
    return int(n_agq)


def _counts(values: np.ndarray, name: ColumnName, role: str, data: pd.DataFrame) -> None:
    """Refuse counts that are negative or not whole numbers, naming the first rows."""
    for bad, what in ((values < 0, "negative"), (values != np.round(values), "non-integer")):
        if bad.any():
            raise ValueError(
                f"{role} column {name!r} has {what} value(s) {plain(list(values[bad][:3]))} "
                f"at row(s) {plain(list(data.index[bad][:3]))}: counts are whole numbers >= 0"
            )


def _binomial_data(
    data: pd.DataFrame,
    y: ColumnName,
    group: ColumnName,
    x: ColumnName | Sequence[ColumnName] | None,
    trials: ColumnName | None,
) -> _Binomial:
    """Check the data (`partial_pooling.grouped.group_data`, then the counts) and build the
    arrays the likelihood needs."""
    names = [] if x is None else [x] if isinstance(x, str | int) else list(x)
    if trials is not None and (trials == y or trials == group or trials in names):
        raise ValueError(f"column {trials!r} is used twice (as trials and as another role)")
    g = group_data(data, y=y, group=group, x=x)
    yv = g.y
    _counts(yv, y, "successes", data)
    if trials is None:
        m = np.ones_like(yv)
        if (yv > 1).any():
            raise ValueError(
                f"response column {y!r} has value(s) {plain(list(yv[yv > 1][:3]))} above 1: "
                "without trials= each row is one trial (0 or 1); give the column of trials"
            )
    else:
        if trials not in data.columns:
            raise ValueError(f"unknown column {trials!r} (trials)")
        col = data[trials]
        if not pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
            raise ValueError(f"trials column {trials!r} must be numeric, has dtype {col.dtype}")
        m = col.to_numpy(dtype=float)
        missing = ~np.isfinite(m)
        if missing.any():
            raise ValueError(
                f"trials column {trials!r} has missing or non-finite value(s) "
                f"{plain(list(m[missing][:3]))} at row(s) {plain(list(data.index[missing][:3]))}"
            )
        _counts(m, trials, "trials", data)
        zero = m == 0
        if zero.any():
            raise ValueError(
                f"trials column {trials!r} is 0 at row(s) {plain(list(data.index[zero][:3]))}: "
                "drop rows without trials"
            )
        over = yv > m
        if over.any():
            i = int(np.flatnonzero(over)[0])
            raise ValueError(
                f"successes column {y!r} exceeds trials column {trials!r} at row(s) "
                f"{plain(list(data.index[over][:3]))} ({plain(yv[i])} > {plain(m[i])})"
            )
    if (yv == 0).all() or (yv == m).all():
        every = "a failure" if (yv == 0).all() else "a success"
        raise ValueError(f"response column {y!r}: every trial is {every}, so mu_alpha is infinite")
    sc = g.scaling
    xs = (g.x - sc.x_centre) / sc.x_scale
    X1 = np.column_stack([np.ones(g.N), xs])
    log_choose = float(np.sum(gammaln(m + 1) - gammaln(yv + 1) - gammaln(m - yv + 1)))
    order = np.argsort(g.codes, kind="stable")
    codes = g.codes[order]
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    return _Binomial(
        g=g,
        y=yv[order],
        m=m[order],
        X1=X1[order],
        codes=codes,
        G=_GroupSums(starts),
        log_choose=log_choose,
        T=sc.T,
    )


def _modes(d: _Binomial, eta0: np.ndarray, sigma: float, u: np.ndarray) -> np.ndarray:
    """The conditional modes $\\hat u_j$ of $\\log f_j(u) - u^2/2$ by safeguarded Newton steps
    from ``u`` (the function is strictly concave: the mode is unique and finite)."""

    def objective(u: np.ndarray) -> np.ndarray:
        eta = eta0 + sigma * u[d.codes]
        return np.asarray(d.G @ (d.y * eta - d.m * np.logaddexp(0.0, eta)) - 0.5 * u * u)

    h = objective(u)
    for _ in range(200):
        eta = eta0 + sigma * u[d.codes]
        p = expit(eta)
        grad = sigma * (d.G @ (d.y - d.m * p)) - u
        curv = sigma * sigma * (d.G @ (d.m * p * (1.0 - p))) + 1.0
        step = grad / curv
        t = np.ones_like(u)
        for _ in range(60):  # halve the steps of the groups whose objective went down
            new = u + t * step
            h_new = objective(new)
            worse = h_new < h - 1e-13 * (1.0 + np.abs(h))
            if not worse.any():
                break
            t[worse] *= 0.5
        u, h = new, h_new
        if np.max(np.abs(t * step)) <= 1e-13 * (1.0 + np.max(np.abs(u))):
            break
    return u


def _loglik_grad(
    d: _Binomial, theta: np.ndarray, n_agq: int, u0: np.ndarray, want_grad: bool = True
) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    """The AGQ log-likelihood at ``theta`` = (b, log sigma_alpha) (b standardized), its exact
    gradient, the modes $\\hat u_j$ and scales $\\hat s_j$."""
    q = d.X1.shape[1]
    b, tau = theta[:q], float(theta[q])
    sigma = float(np.exp(tau))
    codes = d.codes
    eta0 = d.X1 @ b
    u = _modes(d, eta0, sigma, u0)
    p = expit(eta0 + sigma * u[codes])
    W = d.m * p * (1.0 - p)
    A = d.G @ W
    H = sigma * sigma * A + 1.0
    s = 1.0 / np.sqrt(H)

    z, w = hermegauss(n_agq)
    logw = np.log(w / np.sqrt(2.0 * np.pi))
    U = u[:, None] + s[:, None] * z[None, :]  # J x K nodes
    Eta = eta0[:, None] + sigma * U[codes]  # N x K
    ell = d.y[:, None] * Eta - d.m[:, None] * np.logaddexp(0.0, Eta)
    gk = logw + np.asarray(d.G @ ell) - 0.5 * U * U + 0.5 * z * z
    top = gk.max(axis=1)
    lse = top + np.log(np.exp(gk - top[:, None]).sum(axis=1))
    loglik = float(np.sum(np.log(s) + lse) + d.log_choose)
    if not want_grad:
        return loglik, np.zeros(q + 1), u, s

    pi = np.exp(gk - lse[:, None])  # J x K, rows sum to 1
    # the mode's and the curvature's derivatives (implicit function theorem)
    Wp = W * (1.0 - 2.0 * p)  # dW/deta
    dhu = np.empty((len(u), q + 1))  # d(h_u)/dtheta at fixed u
    dhu[:, :q] = -sigma * (d.G @ (W[:, None] * d.X1))
    dhu[:, q] = u * (1.0 - sigma * sigma * A)
    du = dhu / H[:, None]
    dH_dtheta = np.empty_like(dhu)  # d(sigma^2 A)/dtheta at fixed u
    dH_dtheta[:, :q] = sigma * sigma * (d.G @ (Wp[:, None] * d.X1))
    dH_dtheta[:, q] = 2.0 * sigma * sigma * A + sigma**3 * u * (d.G @ Wp)
    dH_du = sigma**3 * (d.G @ Wp)
    dH = dH_dtheta + dH_du[:, None] * du
    ds = -0.5 * s[:, None] ** 3 * dH  # J x (q+1)

    R = d.y[:, None] - d.m[:, None] * expit(Eta)  # N x K
    grad_u = sigma * np.asarray(d.G @ R) - U  # dg_k/du, J x K
    grad = np.empty(q + 1)
    for c in range(q):
        direct = np.asarray(d.G @ (R * d.X1[:, c : c + 1]))
        total = direct + grad_u * (du[:, c : c + 1] + z * ds[:, c : c + 1])
        grad[c] = np.sum(ds[:, c] / s) + np.sum(pi * total)
    direct = sigma * np.asarray(d.G @ (R * U[codes]))
    total = direct + grad_u * (du[:, q : q + 1] + z * ds[:, q : q + 1])
    grad[q] = np.sum(ds[:, q] / s) + np.sum(pi * total)
    return loglik, grad, u, s


@dataclass(frozen=True, eq=False)
class BinomialFit:
    """A logistic random-intercept fit by maximum likelihood (`fit_binomial`).

    Attributes
    ----------
    mu : float
        $\\hat\\mu_\\alpha$, the mean of the intercepts on the log-odds scale.
    beta : pandas.Series
        $\\hat\\beta$, one slope (log odds ratio) per covariate (empty without covariates).
    sigma_alpha : float
        $\\hat\\sigma_\\alpha$, the SD of the intercepts on the log-odds scale; exactly 0 when
        the maximum is at that boundary (an ordinary logistic regression; then ``alpha`` is
        $\\hat\\mu_\\alpha$ for every group, the standard errors of ``mu`` and $\\beta$ are
        given $\\sigma_\\alpha = 0$ and that of ``sigma_alpha`` is NaN).
    loglik : float
        The maximized log-likelihood, binomial coefficients included (lme4's ``logLik``).
    n_agq : int
        Quadrature points per group (1: the Laplace approximation).
    se : pandas.Series
        Standard errors of ``mu``, each $\\beta$ (by covariate name) and ``sigma_alpha``, from
        the inverse of the negative Hessian of the log-likelihood in
        $(\\mu_\\alpha, \\beta, \\log\\sigma_\\alpha)$ (``sigma_alpha``'s by the delta method).
        Those of $\\mu_\\alpha, \\beta$ do not depend on how $\\sigma_\\alpha$ is parametrized:
        they are what lme4's ``vcov(glmer fit)`` gives (its finite-difference Hessian in
        $(\\theta, \\beta)$, ``use.hessian = TRUE``).
    cov : pandas.DataFrame
        That covariance matrix, over ``mu``, the covariates and ``log_sigma_alpha``.
    alpha : pandas.Series
        The partially pooled intercepts $\\hat\\alpha_j = \\hat\\mu_\\alpha + \\hat a_j$ (log-odds
        at $x = 0$), $\\hat a_j = \\hat\\sigma_\\alpha \\hat u_j$ the conditional modes, by group.
    prob : pandas.Series
        $\\operatorname{logit}^{-1}(\\hat\\alpha_j)$: each group's probability at $x = 0$.
    cond_sd : pandas.Series
        $\\hat\\sigma_\\alpha \\hat s_j$: the SD of the Gaussian that the Laplace approximation
        puts on $a_j$ given the data (the inverse square root of the curvature at the mode).
    successes, trials : pandas.Series
        $\\sum_i y_{ij}$ and $\\sum_i m_{ij}$ by group.
    gradient : float
        The largest absolute element of the gradient at the estimates, in the centred, scaled
        coordinates the fit works in.
    converged : bool
        Whether that gradient met the convergence test.
    """

    mu: float
    beta: pd.Series
    sigma_alpha: float
    loglik: float
    n_agq: int
    se: pd.Series
    cov: pd.DataFrame
    alpha: pd.Series
    prob: pd.Series
    cond_sd: pd.Series
    successes: pd.Series
    trials: pd.Series
    gradient: float
    converged: bool


def _hessian(d: _Binomial, theta: np.ndarray, n_agq: int, u0: np.ndarray) -> np.ndarray:
    """The Hessian by central differences of the exact gradient, symmetrized."""
    k = theta.size
    Hm = np.empty((k, k))
    for i in range(k):
        h = 1e-5 * (1.0 + abs(theta[i]))
        e = np.zeros(k)
        e[i] = h
        gp = _loglik_grad(d, theta + e, n_agq, u0)[1]
        gm = _loglik_grad(d, theta - e, n_agq, u0)[1]
        Hm[:, i] = (gp - gm) / (2.0 * h)
    return 0.5 * (Hm + Hm.T)


def _start(d: _Binomial) -> np.ndarray:
    """Complete pooling (an ordinary logistic regression) for b, and sigma_alpha = 1."""
    q = d.X1.shape[1]

    def nll(b: np.ndarray) -> tuple[float, np.ndarray]:
        eta = d.X1 @ b
        value = -float(np.sum(d.y * eta - d.m * np.logaddexp(0.0, eta)))
        return value, -(d.X1.T @ (d.y - d.m * expit(eta)))

    b = optimize.minimize(nll, np.zeros(q), jac=True, method="BFGS").x
    return np.append(b, 0.0)


def _logistic(d: _Binomial, b: np.ndarray) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
    """The ordinary logistic regression (sigma_alpha = 0) by Newton steps from ``b``: its
    coefficients, log-likelihood (with the binomial coefficients), score and Hessian."""
    for _ in range(50):
        eta = d.X1 @ b
        p = expit(eta)
        score = d.X1.T @ (d.y - d.m * p)
        H = -(d.X1.T * (d.m * p * (1.0 - p))) @ d.X1
        step = -np.linalg.solve(H, score)
        b = b + step
        if np.max(np.abs(step)) < 1e-14 * (1.0 + np.max(np.abs(b))):
            break
    eta = d.X1 @ b
    p = expit(eta)
    value = float(np.sum(d.y * eta - d.m * np.logaddexp(0.0, eta)) + d.log_choose)
    score = d.X1.T @ (d.y - d.m * p)
    H = -(d.X1.T * (d.m * p * (1.0 - p))) @ d.X1
    return b, value, score, H


def _fit(d: _Binomial, n_agq: int) -> BinomialFit:
    q = d.X1.shape[1]
    J = d.g.J
    state = {"u": np.zeros(J)}

    def negative(theta: np.ndarray) -> tuple[float, np.ndarray]:
        value, grad, u, _ = _loglik_grad(d, theta, n_agq, state["u"])
        state["u"] = u
        return -value, -grad

    theta = _start(d)
    if n_agq > 1:  # the Laplace optimum, a twelfth of the cost per evaluation, is close by

        def laplace(theta: np.ndarray) -> tuple[float, np.ndarray]:
            value, grad, u, _ = _loglik_grad(d, theta, 1, state["u"])
            state["u"] = u
            return -value, -grad

        theta = optimize.minimize(laplace, theta, jac=True, method="BFGS", options={"gtol": 1e-4}).x
    res = optimize.minimize(negative, theta, jac=True, method="BFGS", options={"gtol": 1e-7})
    theta = res.x
    value, grad, u, _ = _loglik_grad(d, theta, n_agq, state["u"])
    # Newton steps on one Hessian (central differences of the exact gradient), computed again
    # only when a step fails; they stop when the gradient is at rounding level
    H = _hessian(d, theta, n_agq, u)
    moved = 0.0  # how far theta has moved since H was computed
    fresh = True
    for _ in range(20):
        if np.max(np.abs(grad)) <= 1e-13 * max(1.0, abs(value)):
            break
        try:
            step = -np.linalg.solve(H, grad)
        except np.linalg.LinAlgError:
            break
        t = 1.0
        for _ in range(30):  # near the optimum values differ by rounding: judge by the gradient
            new_value, new_grad, new_u, _ = _loglik_grad(d, theta + t * step, n_agq, u)
            noise = 1e-13 * max(1.0, abs(value))
            if new_value > value + noise or (
                new_value >= value - noise and np.max(np.abs(new_grad)) < np.max(np.abs(grad))
            ):
                break
            t *= 0.5
        else:
            if fresh:
                break
            H, moved, fresh = _hessian(d, theta, n_agq, u), 0.0, True
            continue
        theta, value, grad, u = theta + t * step, new_value, new_grad, new_u
        moved += float(np.max(np.abs(t * step)))
        fresh = False
    value, grad, u, s = _loglik_grad(d, theta, n_agq, u)
    if moved > 1e-7:  # else the Hessian computed last is this one's to about 1e-7
        H = _hessian(d, theta, n_agq, u)
    sigma = float(np.exp(theta[q]))
    gmax = float(np.max(np.abs(grad)))
    converged = gmax <= 1e-6 * max(1.0, abs(value)) and bool(np.all(np.linalg.eigvalsh(H) < 0))
    if sigma < 1e-3:  # towards the boundary: is sigma_alpha = 0 itself the maximum?
        b0, value0, score0, H0 = _logistic(d, theta[:q])
        if value0 >= value - 1e-12 * max(1.0, abs(value)):
            theta, value, sigma = np.append(b0, -np.inf), value0, 0.0
            u, s = np.zeros(d.g.J), np.ones(d.g.J)
            gmax = float(np.max(np.abs(score0)))
            converged = gmax <= 1e-6 * max(1.0, abs(value))
            H = np.full((q + 1, q + 1), np.nan)
            H[:q, :q] = H0
    if not converged:
        warn_not_converged("fit_binomial")

    fixed = d.T @ theta[:q]
    M = np.zeros((q + 1, q + 1))  # (b, tau) -> (mu, beta, tau)
    M[:q, :q] = d.T
    M[q, q] = 1.0
    cov_std = np.full_like(H, np.nan)
    try:
        if sigma > 0:
            cov_std = np.linalg.inv(-H)
        else:  # at the boundary: (mu, beta) given sigma_alpha = 0
            cov_std[:q, :q] = np.linalg.inv(-H[:q, :q])
    except np.linalg.LinAlgError:
        pass
    cov = M[:q, :q] @ cov_std[:q, :q] @ M[:q, :q].T
    cov = np.block([[cov, cov_std[:q, q:]], [cov_std[q:, :q] @ M[:q, :q].T, cov_std[q:, q:]]])
    x_names = [str(n) for n in d.g.x_names]
    names = ["mu", *x_names, "log_sigma_alpha"]
    var = np.diag(cov).copy()
    se_values = np.sqrt(np.where(var >= 0, var, np.nan))
    se = pd.Series(se_values, index=names)
    se = pd.concat([se.iloc[:q], pd.Series({"sigma_alpha": sigma * se_values[q]})])
    labels = d.g.labels
    a = sigma * u
    return BinomialFit(
        mu=float(fixed[0]),
        beta=pd.Series(fixed[1:], index=x_names, dtype=float),
        sigma_alpha=sigma,
        loglik=value,
        n_agq=n_agq,
        se=se,
        cov=pd.DataFrame(cov, index=names, columns=names),
        alpha=pd.Series(fixed[0] + a, index=labels, name="alpha"),
        prob=pd.Series(expit(fixed[0] + a), index=labels, name="prob"),
        cond_sd=pd.Series(sigma * s, index=labels, name="cond_sd"),
        successes=pd.Series(d.G @ d.y, index=labels, name="successes"),
        trials=pd.Series(d.G @ d.m, index=labels, name="trials"),
        gradient=gmax,
        converged=converged,
    )


def fit_binomial(
    data: pd.DataFrame,
    *,
    y: ColumnName,
    group: ColumnName,
    x: ColumnName | Sequence[ColumnName] | None = None,
    trials: ColumnName | None = None,
    n_agq: int = 1,
) -> BinomialFit:
    """Fit the logistic random-intercept model by maximum likelihood.

    $\\operatorname{logit} p_{ij} = \\alpha_j + x_{ij}'\\beta$, $\\alpha_j \\sim
    N(\\mu_\\alpha, \\sigma_\\alpha^2)$, each group's integral over its intercept by adaptive
    Gauss-Hermite quadrature with ``n_agq`` points (1: Laplace), as lme4's
    ``glmer(cbind(y, trials - y) ~ x + (1 | group), family = binomial, nAGQ = n_agq)``.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per observation (or per batch of trials).
    y : str or int
        Column of the successes $y_{ij}$: whole numbers, 0 or 1 without ``trials``.
    group : str or int
        Column of the grouping factor $j$. A group whose every trial is a success (or a
        failure) is fitted: its intercept is pulled to a finite value by the others.
    x : str, int or sequence of them, optional
        Covariate column(s) $x_{ij}$ with common slopes $\\beta$ (log odds ratios). The fit is
        the same in any units: rescaling a covariate rescales its $\\beta$ only.
    trials : str or int, optional
        Column of the numbers of trials $m_{ij} \\ge 1$, with $y_{ij} \\le m_{ij}$; without it
        each row is one trial.
    n_agq : int
        Quadrature points per group, 1 (Laplace) to 100.

    Returns
    -------
    BinomialFit

    Raises
    ------
    ValueError
        Naming the column or value at fault: those of `partial_pooling.grouped.group_data`
        (missing, non-numeric, a constant response, one group, only groups of one row...),
        negative or non-integer counts, successes above the trials, zero trials, every trial a
        success or every one a failure, ``n_agq`` not an integer from 1 to 100.
    """
    k = _check_n_agq(n_agq)
    d = _binomial_data(data, y, group, x, trials)
    with one_blas_thread():
        return _fit(d, k)


def binomial_loglik(
    data: pd.DataFrame,
    *,
    y: ColumnName,
    group: ColumnName,
    x: ColumnName | Sequence[ColumnName] | None = None,
    trials: ColumnName | None = None,
    mu: float,
    beta: float | Sequence[float] | pd.Series | None,
    sigma_alpha: float,
    n_agq: int = 1,
) -> float:
    """The log-likelihood $\\sum_j \\log L_j$ of the logistic random-intercept model at given
    parameters, each $L_j$ by adaptive Gauss-Hermite quadrature with ``n_agq`` points.

    Parameters
    ----------
    data, y, group, x, trials
        As for `fit_binomial`.
    mu : float
        $\\mu_\\alpha$ (log-odds).
    beta : float, sequence or Series or None
        $\\beta$, one per covariate (None without covariates).
    sigma_alpha : float
        $\\sigma_\\alpha \\ge 0$ (0: an ordinary logistic regression, the value exact).
    n_agq : int
        Quadrature points per group, 1 (Laplace) to 100.

    Returns
    -------
    float
        The log-likelihood with the binomial coefficients (lme4's ``-deviance / 2``).
    """
    k = _check_n_agq(n_agq)
    mu_ = check_finite("mu", mu)
    sd = check_sd("sigma_alpha", sigma_alpha, positive=False)
    d = _binomial_data(data, y, group, x, trials)
    b = beta_vector(d.g, beta)
    # (mu, beta) -> standardized coefficients: invert T
    theta_b = np.linalg.solve(d.T, np.concatenate([[mu_], b]))
    with one_blas_thread():
        if sd == 0.0:
            eta = d.X1 @ theta_b
            return float(np.sum(d.y * eta - d.m * np.logaddexp(0.0, eta)) + d.log_choose)
        theta = np.append(theta_b, np.log(sd))
        return _loglik_grad(d, theta, k, np.zeros(d.g.J), want_grad=False)[0]
