# lme4's isSingular and theta for the singular-fit tests (tests/test_singular.py).
# Run from the repository root: Rscript tests/data/singular_lme4.R
# Writes tests/data/singular_lme4.json and tests/data/chickweight.csv (R's datasets::ChickWeight).
library(lme4)
library(jsonlite)
data(Oats, package = "nlme")
oats <- as.data.frame(Oats)
cw <- as.data.frame(ChickWeight)
cw$Chick <- as.character(cw$Chick)
cw$Time2 <- cw$Time^2
write.csv(cw[, c("weight", "Time", "Time2", "Chick")], "tests/data/chickweight.csv",
          row.names = FALSE)
one <- function(f) {
  list(singular = isSingular(f), theta = unname(getME(f, "theta")),
       sigma = sigma(f), loglik = as.numeric(logLik(f)))
}
out <- list(
  oats = one(lmer(yield ~ nitro + (nitro | Block), data = oats, REML = TRUE)),
  sleepstudy = one(lmer(Reaction ~ Days + (Days | Subject), data = sleepstudy, REML = TRUE)),
  chickweight = one(lmer(weight ~ Time + Time2 + (Time + Time2 | Chick), data = cw,
                         REML = TRUE))
)
write_json(out, "tests/data/singular_lme4.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
