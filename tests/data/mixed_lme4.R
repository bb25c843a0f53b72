# lme4's fits of the models in tests/test_mixed.py, written to tests/data/mixed_lme4.json.
# Run from the repository root:  Rscript tests/data/mixed_lme4.R
# (lme4 1.1-31 and jsonlite from Debian's r-cran-lme4; the data are the package's own CSVs,
# copies of lme4's and nlme's data sets.)
#
# For each model and method it stores lme4's default fit (logLik, fixef, sigma, VarCorr, theta,
# ranef with condVar, isSingular), the same quantities computed by lme4 at the tight optimum
# below (``at_tight``: lmer with start = that theta and no optimizer), lme4's own deviance function (devFunOnly = TRUE) evaluated at
# lme4's theta and at fixed perturbations of it (so the test can check that the package computes
# the same function), and a tight minimum of that function (bobyqa with rhoend = 1e-12, then
# L-BFGS-B), since lme4's default optimizer sometimes stops short.
suppressPackageStartupMessages({library(lme4); library(jsonlite)})
data_dir <- "src/partial_pooling/data"
rd <- function(name) read.csv(file.path(data_dir, paste0(name, ".csv")), stringsAsFactors = TRUE)

penicillin <- rd("penicillin")
pastes <- rd("pastes")
orthodont <- rd("orthodont")
orthodont$Sex <- factor(orthodont$Sex, levels = c("Male", "Female"))
oats <- rd("oats")
sleepstudy <- rd("sleepstudy"); sleepstudy$Subject <- factor(sleepstudy$Subject)
dyestuff2 <- rd("dyestuff2")
twovec <- orthodont
twovec$rater <- factor(paste0("r", (seq_len(nrow(twovec)) - 1) %% 5))

models <- list(
  penicillin = list(f = diameter ~ 1 + (1 | plate) + (1 | sample), data = penicillin),
  pastes = list(f = strength ~ 1 + (1 | batch/cask), data = pastes),
  orthodont = list(f = distance ~ age + Sex + (age | Subject), data = orthodont),
  oats = list(f = yield ~ nitro + (nitro | Block), data = oats),
  sleepstudy = list(f = Reaction ~ Days + (Days | Subject), data = sleepstudy),
  two_vector_terms = list(f = distance ~ age + (age | Subject) + (age | rater), data = twovec),
  dyestuff2 = list(f = Yield ~ 1 + (1 | Batch), data = dyestuff2),
  sleep_uncorrelated = list(f = Reaction ~ Days + (1 | Subject) + (0 + Days | Subject),
                            data = sleepstudy)
)

# what the test compares: lme4's estimates, at its own optimum or at the tight one
summarise <- function(fit) {
  re <- ranef(fit, condVar = TRUE)
  vc <- VarCorr(fit)
  list(
    loglik = as.numeric(logLik(fit)),
    fixef = as.list(fixef(fit)),
    sigma = sigma(fit),
    theta = unname(getME(fit, "theta")),
    theta_names = names(getME(fit, "theta")),
    singular = isSingular(fit),
    vcov = unname(as.matrix(vcov(fit))),
    varcorr = lapply(vc, function(S) list(names = colnames(S), Sigma = unname(as.matrix(S)))),
    ranef = lapply(re, function(r) list(levels = rownames(r), names = colnames(r),
                                        values = unname(as.matrix(r)))),
    condvar = lapply(re, function(r) {
      v <- attr(r, "postVar")  # k x k x levels
      if (is.list(v)) return(NULL)  # several terms on one factor: one array per term
      lapply(seq_len(dim(v)[3]), function(j) unname(v[, , j, drop = TRUE]))
    })
  )
}

one <- function(m, reml) {
  fit <- suppressMessages(lmer(m$f, data = m$data, REML = reml))
  dev <- lmer(m$f, data = m$data, REML = reml, devFunOnly = TRUE)
  theta <- getME(fit, "theta")
  lower <- getME(fit, "lower")
  set.seed(17)
  points <- list(theta)
  for (i in 1:4) points[[i + 1]] <- pmax(theta + runif(length(theta), -0.1, 0.1), lower)
  values <- vapply(points, dev, 0.0)
  tight <- minqa::bobyqa(theta, dev, lower = lower, control = list(rhobeg = 0.02, rhoend = 1e-12, maxfun = 1e5))
  polish <- optim(tight$par, dev, method = "L-BFGS-B", lower = lower,
                  control = list(factr = 1, pgtol = 0, maxit = 1000))
  best <- if (polish$value < tight$fval) polish$par else tight$par
  at_tight <- lmer(m$f, data = m$data, REML = reml, start = list(theta = best),
                   control = lmerControl(optimizer = NULL))
  c(summarise(fit), list(
    at_tight = summarise(at_tight),
    devfun_points = lapply(points, unname),
    devfun_values = values,
    tight_theta = unname(best),
    tight_deviance = dev(best)
  ))
}

out <- list(lme4_version = as.character(packageVersion("lme4")))
for (name in names(models)) {
  out[[name]] <- list(ML = one(models[[name]], FALSE), REML = one(models[[name]], TRUE))
}

# predict on Penicillin, seen and new levels (re.form = NULL: all random effects)
fit <- lmer(diameter ~ 1 + (1 | plate) + (1 | sample), data = penicillin)
new <- data.frame(plate = c("a", "x", "new", "b", "new"), sample = c("A", "F", "A", "new", "new"))
out$penicillin_predict <- list(
  plate = new$plate, sample = new$sample,
  REML = unname(predict(fit, newdata = new, re.form = NULL, allow.new.levels = TRUE))
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = FALSE),
           "tests/data/mixed_lme4.json")
