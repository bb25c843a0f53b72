# lme4's predictions for tests/test_formula.py, written to tests/data/formula_predict_lme4.json.
# Run from the repository root:  Rscript tests/data/formula_predict_lme4.R
# (lme4 1.1-31, which has no se.fit: the standard errors are computed here from the dense
# mixed-model equations, in lme4's parametrization, with lme4's fitted Lambda, X, Z and sigma.)
suppressPackageStartupMessages({library(lme4); library(jsonlite)})
pen <- read.csv("src/partial_pooling/data/penicillin.csv", stringsAsFactors = TRUE)
fit <- lmer(diameter ~ 1 + (1 | plate) + (1 | sample), data = pen, REML = TRUE)
newdata <- data.frame(
  plate = c("a", "b", "new", "a", "new", "m"),
  sample = c("A", "F", "B", "zz", "zz", "C")
)
point <- predict(fit, newdata = newdata, allow.new.levels = TRUE)
# the prediction error variance of the mean: sigma^2 a' C a with C the inverse of
# [X'X, X'Z Lambda; Lambda'Z'X, Lambda'Z'Z Lambda + I] and a = (x, Lambda'z) for the seen levels;
# a new level adds its variance (z' Sigma_t z with z = 1)
X <- getME(fit, "X"); Z <- as.matrix(getME(fit, "Z")); Lam <- as.matrix(getME(fit, "Lambda"))
s <- sigma(fit)
ZL <- Z %*% Lam
M <- rbind(cbind(crossprod(X), crossprod(X, ZL)),
           cbind(crossprod(ZL, X), crossprod(ZL) + diag(ncol(ZL))))
Minv <- solve(M)
cn <- colnames(Z)  # level names of the terms, in lme4's order (plate levels, then sample)
vc <- as.data.frame(VarCorr(fit))
var_of <- function(g) vc$vcov[vc$grp == g]
se_mean <- numeric(nrow(newdata))
for (r in seq_len(nrow(newdata))) {
  z <- numeric(ncol(Z)); extra <- 0
  for (g in c("plate", "sample")) {
    lev <- as.character(newdata[[g]][r])
    idx <- which(cn == lev & rep(names(getME(fit, "flist")), getME(fit, "l_i")) == g)
    if (length(idx) == 1) z[idx] <- 1 else extra <- extra + var_of(g)
  }
  a <- c(1, as.vector(crossprod(Lam, z)))
  se_mean[r] <- sqrt(s^2 * as.numeric(t(a) %*% Minv %*% a) + extra)
}
write_json(list(newdata = newdata, point = unname(point), se_mean = se_mean,
                se_obs = sqrt(se_mean^2 + s^2), sigma = s,
                loglik = as.numeric(logLik(fit)), fixef = unname(fixef(fit))),
           "tests/data/formula_predict_lme4.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
