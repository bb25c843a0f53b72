# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # A new page: one H1, which becomes its title in the navigation
#
# Start with the result, in a sentence or two and in the site's notation (see the
# [notation](../notation.md) page): *the partially pooled intercept of a county is a
# precision-weighted compromise between its own adjusted mean and the population mean.* Then
# show it, then check it. Copy this file to `docs/notebooks/your_page.py`, add it to `nav` in
# `mkdocs.yml`, and replace the text and the code (CONTRIBUTING.md walks through it).

# %%
from IPython.display import Markdown

import partial_pooling as pp
from partial_pooling import datasets
from partial_pooling.site import crosscheck, figures
from partial_pooling.site.checks import Checks

radon = datasets.radon()
cols = {"y": "log_radon", "group": "county", "x": "floor"}
radon_model = pp.Model(radon, **cols)  # checks and groups the data once
partial = radon_model.fit(method="REML")
none = radon_model.no_pooling()

# %% [markdown]
# Numbers in the prose come from the code: a cell tagged `hide-input` shows only its output,
# here a sentence written with an f-string.

# %% tags=["hide-input"]
Markdown(
    f"The REML fit gives $\\hat\\sigma_\\alpha = {partial.sigma_alpha:.3f}$ and "
    f"$\\hat\\sigma_y = {partial.sigma_y:.3f}$ over {partial.J} counties."
)

# %% [markdown]
# A figure is one line that calls a function of `partial_pooling.site.figures`; it returns a
# figure that carries its own alt text. Its cell's header gives the caption and a label; the
# prose refers to it as [Figure](#fig-arrows), which the build numbers.

# %% caption="Arrows from each county's no-pooling intercept to its partially pooled intercept, against county size." label="fig-arrows"
figures.shrinkage_arrows(none, partial)

# %% tags=["hide-input"]
# The page's main figure gets a fold with its code, for readers who want to reuse it.
from partial_pooling.site.source import figure_code

figure_code(figures.shrinkage_arrows)

# %% [markdown]
# The page's checks run at build time and fail it, but stay folded away: one line that opens
# into the table of comparisons.

# %% tags=["hide-input"]
sm = crosscheck.statsmodels_mixedlm(radon, **cols, method="REML")
checks = Checks("statsmodels (REML, fitted tightly)")
checks.close("mu and beta", partial.fixed, sm.fixed, rtol=1e-8)
checks.close("sigma_alpha", partial.sigma_alpha, sm.sigma_alpha, rtol=1e-6)
checks.close("county intercepts alpha_j", partial.alpha, sm.alpha, rtol=1e-6)
checks.holds("every lambda_j is between 0 and 1", partial.shrinkage.between(0, 1).all())
checks
