# Time lme4's lmer() on the models of benchmarks/bench_mixed.py (several grouping factors, ML and
# REML), on the CSVs that script writes.
#
#   Rscript benchmarks/lme4_mixed_bench.R JOBS.tsv
#   Rscript benchmarks/lme4_mixed_bench.R --write-insteval OUT.csv
#
# JOBS.tsv has a header line and one job per line, tab-separated:
#   name  csv  formula  factors  reml  repeats
# `factors` lists the columns to make factors, comma-separated; `reml` is TRUE or FALSE. Each
# job: read the CSV (not timed), fit once as a warm-up, then `repeats` more times, timing each
# fit with Sys.time(); with repeats = 0 the single warm-up fit is the timing. Prints one line
# `VERSIONS  R x.y.z  lme4 a.b.c`, then per job, tab-separated:
#   RESULT  name  median_seconds  min_seconds  loglik  warnings
# The second form writes lme4's InstEval (columns s, d, service, y) to OUT.csv: the data set is
# not shipped with the package (about 73,000 rows); the benchmark writes it to a gitignored
# file when R is present. Exit status 3 if lme4 is missing.
args <- commandArgs(trailingOnly = TRUE)
if (!requireNamespace("lme4", quietly = TRUE)) {
  cat("NO_LME4\n")
  quit(status = 3)
}
suppressPackageStartupMessages(library(lme4))
if (length(args) == 2 && args[1] == "--write-insteval") {
  d <- InstEval[, c("s", "d", "service", "y")]
  d$service <- as.integer(as.character(d$service))
  write.csv(d, args[2], row.names = FALSE)
  quit(status = 0)
}
if (length(args) != 1) stop("usage: Rscript lme4_mixed_bench.R JOBS.tsv")
cat(sprintf("VERSIONS\t%s\t%s\n", paste(R.version$major, R.version$minor, sep = "."),
            as.character(packageVersion("lme4"))))
jobs <- read.delim(args[1], stringsAsFactors = FALSE, quote = "")
for (i in seq_len(nrow(jobs))) {
  job <- jobs[i, ]
  data <- read.csv(job$csv, stringsAsFactors = FALSE)
  for (f in strsplit(job$factors, ",")[[1]]) data[[f]] <- factor(data[[f]])
  form <- as.formula(job$formula)
  reml <- as.logical(job$reml)
  msgs <- character(0)
  fit_once <- function() {
    withCallingHandlers(
      lmer(form, data = data, REML = reml),
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
  msg_txt <- gsub("[\t\n]", " ", paste(msgs, collapse = " | "))
  cat(sprintf("RESULT\t%s\t%.9f\t%.9f\t%.12f\t%s\n", job$name, median(times), min(times),
              as.numeric(logLik(fit)), msg_txt))
  flush(stdout())
}
