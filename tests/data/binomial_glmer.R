# Reference values for tests/test_binomial.py: lme4's glmer on cbpp and MASS's bacteria.
#
#   Rscript tests/data/binomial_glmer.R      (from the repository root; about 10 s)
#
# Writes tests/data/bacteria.csv (the data, 0/1 rows) and tests/data/binomial_glmer.json: for
# each model and number of quadrature points nAGQ,
#   default: glmer with its default control (what users get);
#   tight:   glmer with bobyqa run to rhoend = 1e-12 and a tight PIRLS tolerance;
# each with logLik, theta (= sigma_alpha), fixef, vcov (lme4's default: from the finite-difference
# Hessian of the deviance in (theta, beta)), vcov with use.hessian = FALSE (from the PIRLS
# factor RX at the estimates, beta only), the conditional modes of the random effects (ranef),
# and lme4's own deviance function (devFunOnly = TRUE) evaluated at the estimates.
# lme4's log-likelihood includes the binomial coefficients log choose(n, y).
suppressPackageStartupMessages({
  library(lme4)
  library(MASS)
  library(jsonlite)
})
out_dir <- "tests/data"

bacteria01 <- data.frame(
  y = as.integer(bacteria$y == "y"),
  trt = as.character(bacteria$trt),
  week = bacteria$week,
  ID = as.character(bacteria$ID)
)
write.csv(bacteria01, file.path(out_dir, "bacteria.csv"), row.names = FALSE)
bacteria01$ID <- factor(bacteria01$ID)
bacteria01$trt <- factor(bacteria01$trt, levels = c("placebo", "drug", "drug+"))

models <- list(
  cbpp = list(formula = cbind(incidence, size - incidence) ~ period + (1 | herd), data = cbpp),
  bacteria = list(formula = y ~ trt + I(week > 2) + (1 | ID), data = bacteria01)
)
tight <- glmerControl(optimizer = "bobyqa", optCtrl = list(rhoend = 1e-12, maxfun = 1e5),
                      tolPwrss = 1e-12)

summarise <- function(fit, devfun) {
  theta <- getME(fit, "theta")
  beta <- fixef(fit)
  v <- as.matrix(vcov(fit))
  v0 <- as.matrix(vcov(fit, use.hessian = FALSE))
  re <- ranef(fit)[[1]]
  list(
    loglik = as.numeric(logLik(fit)),
    deviance_at_estimates = devfun(c(theta, beta)),
    theta = unname(theta),
    fixef = as.list(beta),
    se = as.list(sqrt(diag(v))),
    se_rx = as.list(sqrt(diag(v0))),
    ranef = setNames(as.list(re[, 1]), rownames(re)),
    messages = fit@optinfo$conv$lme4$messages
  )
}

result <- list(versions = list(R = paste(R.version$major, R.version$minor, sep = "."),
                               lme4 = as.character(packageVersion("lme4"))))
for (name in names(models)) {
  m <- models[[name]]
  for (nagq in c(1, 25)) {
    devfun <- glmer(m$formula, data = m$data, family = binomial, nAGQ = nagq,
                    devFunOnly = TRUE)
    default <- glmer(m$formula, data = m$data, family = binomial, nAGQ = nagq)
    # devfun was built once: its PIRLS state is updated by each call, so evaluate it last
    tfit <- glmer(m$formula, data = m$data, family = binomial, nAGQ = nagq, control = tight)
    key <- sprintf("%s_agq%d", name, nagq)
    result[[key]] <- list(nAGQ = nagq, default = summarise(default, devfun),
                          tight = summarise(tfit, devfun))
  }
}
writeLines(toJSON(result, digits = NA, auto_unbox = TRUE, pretty = TRUE),
           file.path(out_dir, "binomial_glmer.json"))
