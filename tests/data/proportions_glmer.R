# glmer's fits for the page docs/notebooks/proportions.py, stored in the package beside the site
# code that reads them (partial_pooling/site/glmer_proportions.json).
#
#   Rscript tests/data/proportions_glmer.R      (from the repository root; a few seconds)
#
# Models, each at nAGQ = 1 (Laplace) and 25, fitted with bobyqa to rhoend = 1e-12 and a tight
# PIRLS tolerance (tolPwrss = 1e-12), and with glmer's default control:
#   cbpp_herd: cbind(incidence, size - incidence) ~ 1 + (1 | herd)      (lme4's cbpp)
#   baseball:  hit ~ 1 + (1 | name), one 0/1 row per at-bat, 45 per player (the package's
#              efron_morris.csv: `hits` ones and 45 - hits zeros per player)
# For each: logLik as lme4 reports it, and `loglik_binomial`, the log-likelihood with the
# binomial coefficients (for nAGQ > 1 lme4 reports it relative to the saturated model without
# the coefficients: adding sum(dbinom(y, m, y/m, log = TRUE)) restores them), theta
# (= sigma_alpha), the intercept (mu_alpha) and ranef (the conditional modes a_j).
suppressPackageStartupMessages({
  library(lme4)
  library(jsonlite)
})
em <- read.csv("src/partial_pooling/data/efron_morris.csv", stringsAsFactors = FALSE)
baseball <- data.frame(
  name = rep(em$name, each = 45),
  hit = unlist(lapply(em$hits, function(h) c(rep(1L, h), rep(0L, 45 - h))))
)
models <- list(
  cbpp_herd = list(formula = cbind(incidence, size - incidence) ~ 1 + (1 | herd), data = cbpp,
                   y = cbpp$incidence, m = cbpp$size),
  baseball = list(formula = hit ~ 1 + (1 | name), data = baseball, y = baseball$hit,
                  m = rep(1, nrow(baseball)))
)
tight <- glmerControl(optimizer = "bobyqa", optCtrl = list(rhoend = 1e-12, maxfun = 1e5),
                      tolPwrss = 1e-12)
summarise <- function(fit, m, nagq) {
  re <- ranef(fit)[[1]]
  shift <- if (nagq > 1) sum(dbinom(m$y, m$m, m$y / m$m, log = TRUE)) else 0
  list(loglik = as.numeric(logLik(fit)), loglik_binomial = as.numeric(logLik(fit)) + shift,
       theta = unname(getME(fit, "theta")), mu = unname(fixef(fit)[1]),
       ranef = setNames(as.list(re[, 1]), rownames(re)))
}
result <- list(versions = list(R = paste(R.version$major, R.version$minor, sep = "."),
                               lme4 = as.character(packageVersion("lme4"))))
for (name in names(models)) {
  m <- models[[name]]
  for (nagq in c(1, 25)) {
    tfit <- glmer(m$formula, data = m$data, family = binomial, nAGQ = nagq, control = tight)
    dfit <- glmer(m$formula, data = m$data, family = binomial, nAGQ = nagq)
    result[[sprintf("%s_agq%d", name, nagq)]] <- list(
      tight = summarise(tfit, m, nagq), default = summarise(dfit, m, nagq))
  }
}
writeLines(toJSON(result, digits = NA, auto_unbox = TRUE, pretty = TRUE),
           "src/partial_pooling/site/glmer_proportions.json")
