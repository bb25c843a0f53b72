# Time lme4's lmer() on the data sets that benchmarks/bench_fit.py writes to CSV.
#
#   Rscript benchmarks/lme4_bench.R JOBS.tsv
#
# JOBS.tsv has a header line and one job per line, tab-separated:
#   name  csv  formula  group  repeats
# Each job: read the CSV (not timed), make the column `group` a factor, fit
# lmer(formula, data, REML = TRUE) once as a warm-up, then `repeats` more times, timing each
# fit with Sys.time() (microsecond resolution on Linux); with repeats = 0 the single warm-up
# fit is the timing (for fits that take many seconds). Prints one tab-separated line per job:
#   RESULT  name  median_seconds  min_seconds  loglik  fixef(name=value;...)  warnings
# and first one line `VERSIONS  R x.y.z  lme4 a.b.c`. Exit status 3 if lme4 is missing.
# A script for the benchmark only: lme4 is never a dependency of the package or its tests.

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 1) stop("usage: Rscript lme4_bench.R JOBS.tsv")
if (!requireNamespace("lme4", quietly = TRUE)) {
  cat("NO_LME4\n")
  quit(status = 3)
}
suppressPackageStartupMessages(library(lme4))
cat(sprintf("VERSIONS\t%s\t%s\n", paste(R.version$major, R.version$minor, sep = "."),
            as.character(packageVersion("lme4"))))

jobs <- read.delim(args[1], stringsAsFactors = FALSE, quote = "")
for (i in seq_len(nrow(jobs))) {
  job <- jobs[i, ]
  data <- read.csv(job$csv, stringsAsFactors = FALSE)
  data[[job$group]] <- factor(data[[job$group]])
  form <- as.formula(job$formula)
  msgs <- character(0)
  fit_once <- function() {
    withCallingHandlers(
      lmer(form, data = data, REML = TRUE),
      warning = function(w) {
        msgs <<- unique(c(msgs, conditionMessage(w)))
        invokeRestart("muffleWarning")
      },
      message = function(m) {
        msgs <<- unique(c(msgs, trimws(conditionMessage(m))))
        invokeRestart("muffleMessage")
      }
    )
  }
  t0 <- Sys.time()
  fit <- fit_once() # warm-up, and the fit whose log-likelihood is reported
  t_first <- as.numeric(difftime(Sys.time(), t0, units = "secs"))
  times <- numeric(job$repeats)
  for (r in seq_len(job$repeats)) {
    t0 <- Sys.time()
    fit_once()
    times[r] <- as.numeric(difftime(Sys.time(), t0, units = "secs"))
  }
  if (job$repeats == 0) times <- t_first # a single run: the warm-up is the timing
  fe <- fixef(fit)
  fe_txt <- paste(sprintf("%s=%.17g", names(fe), fe), collapse = ";")
  msg_txt <- gsub("[\t\n]", " ", paste(msgs, collapse = " | "))
  cat(sprintf("RESULT\t%s\t%.9f\t%.9f\t%.12f\t%s\t%s\n", job$name, median(times), min(times),
              as.numeric(logLik(fit)), fe_txt, msg_txt))
  flush(stdout())
}
