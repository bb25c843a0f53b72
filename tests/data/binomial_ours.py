"""Write our estimates for the models of binomial_glmer.R to binomial_ours.json, so that the R
script evaluates lme4's own deviance function at them (run this first, then the R script):

    .venv/bin/python tests/data/binomial_ours.py && Rscript tests/data/binomial_glmer.R

The test reads the deviance R computed there; it never compares our fit with this file.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent))

from binomial_models import MODELS  # noqa: E402

from partial_pooling.binomial import fit_binomial  # noqa: E402

out = {}
for name, (frame, columns, names) in MODELS.items():
    for n_agq in (1, 25):
        fit = fit_binomial(frame(), n_agq=n_agq, **columns)
        out[f"{name}_agq{n_agq}"] = {
            "sigma_alpha": fit.sigma_alpha,
            "fixef": dict(zip(names, [fit.mu, *fit.beta], strict=True)),
            "loglik": fit.loglik,
        }
(HERE / "binomial_ours.json").write_text(json.dumps(out, indent=1, allow_nan=False) + "\n")
