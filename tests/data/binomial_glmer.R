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
# and lme4's own deviance function (devFunOnly = TRUE) evaluated at the estimates: a fresh one
# for each evaluation (the function keeps the last conditional modes as the start of its next
# PIRLS), with a tight PIRLS tolerance (tolPwrss = 1e-12).
# If tests/data/binomial_ours.json exists (our estimates, written by binomial_ours.py), the
# same deviance function is evaluated at them too ("deviance_at_ours").
# What logLik reports: with nAGQ = 1, the log-likelihood with the binomial coefficients
# log choose(size, y); with nAGQ > 1, minus half the sum of the binomial deviance residuals plus
# the random effects' terms, i.e. without the coefficients and relative to the saturated model
# (the two agree for 0/1 rows, as in bacteria).
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

fresh_devfun <- function(m, nagq) {
  glmer(m$formula, data = m$data, family = binomial, nAGQ = nagq, devFunOnly = TRUE,
        control = glmerControl(tolPwrss = 1e-12))
}
ours_file <- file.path(out_dir, "binomial_ours.json")
ours <- if (file.exists(ours_file)) fromJSON(ours_file) else NULL

summarise <- function(fit, devfun) {
  theta <- getME(fit, "theta")
  beta <- fixef(fit)
  v <- as.matrix(vcov(fit))
  v0 <- as.matrix(vcov(fit, use.hessian = FALSE))
  re <- ranef(fit)[[1]]
  list(
    loglik = as.numeric(logLik(fit)),
    deviance_at_estimates = devfun()(c(theta, beta)),
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
    devfun <- function() fresh_devfun(m, nagq)
    default <- glmer(m$formula, data = m$data, family = binomial, nAGQ = nagq)
    tfit <- glmer(m$formula, data = m$data, family = binomial, nAGQ = nagq, control = tight)
    key <- sprintf("%s_agq%d", name, nagq)
    result[[key]] <- list(nAGQ = nagq, default = summarise(default, devfun),
                          tight = summarise(tfit, devfun))
    if (!is.null(ours) && !is.null(ours[[key]])) {
      o <- ours[[key]]
      result[[key]]$ours <- list(theta = o$sigma_alpha, fixef = o$fixef,
                                 deviance_at_ours = devfun()(c(o$sigma_alpha, unlist(o$fixef))))
    }
  }
}
writeLines(toJSON(result, digits = NA, auto_unbox = TRUE, pretty = TRUE),
           file.path(out_dir, "binomial_glmer.json"))
