# Time lme4's glmer() on the data sets that benchmarks/bench_binomial.py writes to CSV.
#
#   Rscript benchmarks/glmer_bench.R JOBS.tsv
#
# JOBS.tsv has a header line and one job per line, tab-separated:
#   name  csv  formula  group  nAGQ  repeats
# Each job: read the CSV (not timed), make the column `group` a factor, fit
# glmer(formula, data, family = binomial, nAGQ = nAGQ) once as a warm-up, then `repeats` more
# times, timing each fit with Sys.time(); with repeats = 0 the warm-up is the timing. Prints one
# tab-separated line per job:
#   RESULT  name  median_seconds  min_seconds  loglik  theta  fixef(name=value;...)  warnings
# and first one line `VERSIONS  R x.y.z  lme4 a.b.c`. Exit status 3 if lme4 is missing.
# logLik is lme4's: with nAGQ > 1 it leaves out the binomial coefficients and is relative to the
# saturated model (bench_binomial.py puts ours on the same scale). Default glmerControl().
args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 1) stop("usage: Rscript glmer_bench.R JOBS.tsv")
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
      glmer(form, data = data, family = binomial, nAGQ = job$nAGQ),
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
  fit <- fit_once()
  t_first <- as.numeric(difftime(Sys.time(), t0, units = "secs"))
  times <- numeric(job$repeats)
  for (r in seq_len(job$repeats)) {
    t0 <- Sys.time()
    fit_once()
    times[r] <- as.numeric(difftime(Sys.time(), t0, units = "secs"))
  }
  if (job$repeats == 0) times <- t_first
  fe <- fixef(fit)
  fe_txt <- paste(sprintf("%s=%.17g", names(fe), fe), collapse = ";")
  msg_txt <- gsub("[\t\n]", " ", paste(msgs, collapse = " | "))
  cat(sprintf("RESULT\t%s\t%.9f\t%.9f\t%.12f\t%.12f\t%s\t%s\n", job$name, median(times),
              min(times), as.numeric(logLik(fit)), getME(fit, "theta"), fe_txt, msg_txt))
  flush(stdout())
}
