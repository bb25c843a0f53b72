"""The command line: partial pooling on your own data, from a CSV file.

Two commands (run ``partial-pooling --help``, or ``python -m partial_pooling --help``)::

    partial-pooling fit DATA.csv --y COL --group COL [--x COL ... | --random-slopes COL ...]
                        [--method REML|ML] [--out estimates.csv] [--force] [--compare]
                        [--plot DIR] [--report FILE.html]
    partial-pooling fit DATA.csv --formula "y ~ x + (x | g)" [--method REML|ML]
                        [--out estimates.csv] [--force]
    partial-pooling datasets NAME [--out FILE.csv] [--force]

``fit`` reads one row per observation, fits the random-intercept model with
`partial_pooling.fit_random_intercept`, prints its summary and writes one row per group $j$
(see `estimates_table` for the columns). With ``--random-slopes COL ...`` it fits a random
intercept and correlated random slopes of those covariates instead
(`partial_pooling.fit_random_slopes`), writing each group's partially pooled intercept and
slopes and their conditional modes: the fixed slopes are then exactly the random-slope columns,
so an ``--x`` naming other columns is an error. With ``--formula`` the model is an lme4 formula
(`partial_pooling.formula`: crossed and nested factors, factor covariates, transformations),
fitted by `partial_pooling.fit`; the grouping columns are read as text labels, the other
columns as numbers if every value is one, else as factors, and the output has one row per level
of each random term (`partial_pooling.formula.FormulaFit.group_table`). A singular fit (lme4's
"boundary (singular) fit") ends the output with a warning line. ``datasets`` writes one of the
bundled data sets to a CSV file, so there is something to try ``fit`` on at once. ``-`` as
``DATA.csv`` reads standard input; ``--out -`` writes the table to standard output (the summary
then goes to standard error). ``--plot DIR`` also writes the site's figures for the fit into
``DIR`` as PNG and SVG files, and ``--report FILE.html`` one self-contained HTML page with the
summary, the figures and every group's estimates (`partial_pooling.report`); only they import
matplotlib, which gets a temporary folder, removed at exit, when MPLCONFIGDIR is unset and its
usual one cannot be written (an unwritable home folder). On a terminal, a one-line status on
standard error shows what it is doing (reading, with the share of the file read; fitting;
drawing); it is wiped at the end, and nothing of it is written when standard error is not a
terminal.

The command line never destroys data (``--plot`` and ``--report`` files are outputs like
``--out``, all checked before anything is read; two outputs may not be the same file):

- an output file that is the input file (however it is spelled: relative, absolute, through a
  symbolic or a hard link) is refused before anything is read or written, even with
  ``--force``;
- an existing output file is replaced only with ``--force``;
- the output is written to a temporary file in the target's folder, flushed to disk and then
  renamed onto the target, so an interrupted or failed run leaves the previous file as it was
  and no partial file behind (a replaced file keeps its permissions).

How a CSV file is read (`read_data`): only the columns used are parsed; the group column is
read as text labels, and only an empty cell is a missing label (``NA``, ``None``, ``null``,
``nan`` are labels: Namibia, or a person called None); in the numeric columns pandas' usual
missing-value strings (``NA``, ``nan``, an empty cell, ...) are missing values, which the fit
reports. A used column whose name appears twice in the header is an error; duplicated names
among the unused columns are ignored. Rows are reported by the line numbers a text editor
shows (the header is line 1).

Exit status: 0 on success; 2 on bad input (a missing or unreadable file, an unknown column, a
non-numeric response, an output that would destroy data or names a folder or a symbolic link
to nothing, standard output full or closed, ...), after one line naming the problem on
standard error, never a traceback; 130 after Ctrl-C (SIGINT), 143 after SIGTERM and
129 after SIGHUP, with one line on standard error; 141 when standard output is a pipe closed
early (``| head``), silently.

The command line is a package, one module a job:

- `partial_pooling.cli.commands`: the commands ``fit`` and ``datasets``, and `main`;
- `partial_pooling.cli.parser`: the argument parser;
- `partial_pooling.cli.csv_reader`: the columns ``fit`` uses, read from a CSV file
  (`read_data`);
- `partial_pooling.cli.csv_scanner`: the byte-level scanner under it (the header, line
  numbers, rows with more fields than the header);
- `partial_pooling.cli.tables`: the per-group tables ``fit`` writes (`estimates_table`);
- `partial_pooling.cli.output`: safe output (every output checked before anything is read,
  atomic writes);
- `partial_pooling.cli.streams`: the standard streams (full, closed, or unable to encode);
- `partial_pooling.cli.drawing`: the figures of ``--plot`` and ``--report`` (matplotlib);
- `partial_pooling.cli.progress`: the status line on a terminal;
- `partial_pooling.cli.signals`: Ctrl-C, SIGTERM and SIGHUP as exceptions;
- `partial_pooling.cli.common`: the program's name, its exit statuses and `BadInput`.
"""

from __future__ import annotations

from .commands import DATASETS, main
from .common import BadInput
from .csv_reader import NUMERIC_NA, read_data
from .tables import estimates_table

__all__ = ["DATASETS", "NUMERIC_NA", "BadInput", "estimates_table", "main", "read_data"]
