# lme4's REML fits behind docs/notebooks/two_classifications.py, written to
# tests/data/two_classifications_lme4.json. Run from the repository root:
#   Rscript tests/data/two_classifications_lme4.R
# (lme4 and jsonlite from Debian's r-cran-lme4; the data are the package's own CSVs, copies of
# lme4's Penicillin and Pastes.) For each model: lme4's summary quantities (the REML criterion,
# the SDs of VarCorr, sigma, fixef, ranef), then the same at a tight optimum (bobyqa with
# rhoend = 1e-12), since lme4's default optimizer sometimes stops short.
# "penicillin_unbalanced" drops every row whose 0-based index i has i %% 7 == 3 (21 of the 144
# cells), the unbalanced crossed design of the page.
suppressPackageStartupMessages({library(lme4); library(jsonlite)})
data_dir <- "src/partial_pooling/data"
rd <- function(name) read.csv(file.path(data_dir, paste0(name, ".csv")), stringsAsFactors = TRUE)
penicillin <- rd("penicillin")
pastes <- rd("pastes")
unbalanced <- penicillin[(seq_len(nrow(penicillin)) - 1) %% 7 != 3, ]
models <- list(
  penicillin = list(f = diameter ~ 1 + (1 | plate) + (1 | sample), data = penicillin),
  pastes = list(f = strength ~ 1 + (1 | batch/cask), data = pastes),
  penicillin_unbalanced = list(f = diameter ~ 1 + (1 | plate) + (1 | sample), data = unbalanced)
)
summarise <- function(fit) {
  vc <- as.data.frame(VarCorr(fit))
  list(
    reml_criterion = as.numeric(-2 * logLik(fit)),
    sd = setNames(as.list(vc$sdcor), ifelse(is.na(vc$var1), vc$grp, vc$grp)),
    sigma = sigma(fit),
    fixef = as.list(fixef(fit)),
    ranef = lapply(ranef(fit), function(r) setNames(as.list(r[, 1]), rownames(r))),
    N = nrow(model.frame(fit))
  )
}
tight <- lmerControl(optimizer = "bobyqa", optCtrl = list(rhoend = 1e-12, maxfun = 1e5))
out <- list(lme4_version = as.character(packageVersion("lme4")))
for (name in names(models)) {
  m <- models[[name]]
  out[[name]] <- list(
    default = summarise(lmer(m$f, data = m$data, REML = TRUE)),
    tight = summarise(lmer(m$f, data = m$data, REML = TRUE, control = tight))
  )
}
write_json(out, "tests/data/two_classifications_lme4.json", digits = NA, auto_unbox = TRUE,
           pretty = TRUE)
