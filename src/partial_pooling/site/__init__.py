"""What exists to serve the site's pages and their build, rather than the statistics.

Nothing outside this subpackage imports from here (a contract in ``pyproject.toml``, checked
by ``lint-imports``): the figures the command line draws too live in `partial_pooling.plotting`.

* `partial_pooling.site.figures`: the figures only the pages draw, each a `SiteFigure` whose
  alt text is computed from its inputs (it also names the shared ones of
  `partial_pooling.plotting`, so a page calls every figure through one module);
* `partial_pooling.site.known_variance_figures`: the eight-schools page's figures (known
  sampling variances), named by `partial_pooling.site.figures` too;
* `partial_pooling.site.proportion_figures`: the proportions page's figures (named by
  `partial_pooling.site.figures` too);
* `partial_pooling.site.checks`: a page's numerical checks, run at build time (a failure fails
  the build) and shown as one folded line;
* `partial_pooling.site.source`: the code of a page's main figure, shown in a fold under it;
* `partial_pooling.site.crosscheck`: statsmodels fitted tightly enough to compare with to the
  last digits, its results in the package's shape;
* `partial_pooling.site.reference`: dense $N \\times N$ reference computations (GLS, the
  marginal, REML and profiled log-likelihoods; GLS with several grouping factors) written
  from the model's definition;
* `partial_pooling.site.hand_derivation`: a widely shared hand derivation, as written, beside its
  corrections;
* `partial_pooling.site.pooling_pays`: simulations of the error of the three estimators, and
  Efron and Morris's baseball data;
* `partial_pooling.site.proportions`: the proportions page's weights from the curvature and
  exact shifts, its simulated rare events, and glmer's stored fits;
* `partial_pooling.site.two_classifications`: crossed and nested grouping factors (no
  pooling with sum-to-zero constraints, each level's one-factor weight and mean partial
  residual, backfitting, lme4's published values), and its figures in
  `partial_pooling.site.two_way_figures`;
* `partial_pooling.site.explorer`: the data of the in-browser explorer.
"""

__all__: list[str] = []
