"""The figures of ``--plot`` and ``--report``: matplotlib made ready, the figures drawn, the
``--plot`` folder planned and written.

matplotlib is imported (through `partial_pooling.report`, here and for the report's page in
`partial_pooling.cli.commands`) only when a figure is asked for, after `matplotlib_ready`.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..fits import PoolingFit, RandomSlopesFit
from .common import STDIN, BadInput, one_line
from .output import Output, dangling_link, plan_output, write_file
from .tables import Limits

if TYPE_CHECKING:  # imported when needed: it imports matplotlib (see `matplotlib_ready`)
    from ..report import ReportFigure

__all__ = ["Plots", "draw_figures", "matplotlib_ready", "plan_plots", "write_plots"]


def _creatable_folder(path: str) -> bool:
    """Whether ``path`` is a writable folder, or ``mkdir -p`` could make it one."""
    while not os.path.lexists(path):
        parent = os.path.dirname(path)
        if parent == path:
            return False
        path = parent
    return os.path.isdir(path) and os.access(path, os.W_OK | os.X_OK)


def _matplotlib_folders_writable() -> bool:
    """Whether matplotlib, with MPLCONFIGDIR unset, can keep its configuration and its font
    cache where it looks first (`matplotlib.get_configdir`, `matplotlib.get_cachedir`)."""
    home = os.path.expanduser("~")
    if not os.path.isabs(home):  # no home folder at all
        return False
    if sys.platform.startswith(("linux", "freebsd")):
        config = os.environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config")
        cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(home, ".cache")
        folders = [os.path.join(config, "matplotlib"), os.path.join(cache, "matplotlib")]
    else:  # macOS and others (on Windows, the folder matplotlib used to prefer)
        folders = [os.path.join(home, ".matplotlib")]
    return all(_creatable_folder(folder) for folder in folders)


def matplotlib_ready() -> None:
    """Call before importing matplotlib: give it a fresh temporary folder when the one it would
    use cannot be written (a read-only, missing or odd ``$HOME``).

    matplotlib would make such a folder itself, with two warnings on standard error (``mkdir
    -p failed ...``, ``Matplotlib created a temporary cache directory ...``): the command line
    prints nothing but its own output there. Nothing changes when MPLCONFIGDIR is set (the
    user's choice) or matplotlib is imported already; the folder is removed at exit.
    """
    if "matplotlib" in sys.modules or os.environ.get("MPLCONFIGDIR"):
        return
    if _matplotlib_folders_writable():
        return
    try:
        folder = tempfile.mkdtemp(prefix="partial-pooling-matplotlib-")
    except OSError:
        return  # no temporary folder either: matplotlib will say what is wrong
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    os.environ["MPLCONFIGDIR"] = folder


@dataclass
class Plots:
    """The folder ``--plot`` writes into, and the file planned for each figure and format."""

    shown: str  # the folder as the user wrote it
    path: str  # its real path
    create: bool  # it does not exist yet
    files: dict[tuple[str, str], Output]  # (figure name, "png" or "svg") -> the file


def plan_plots(
    folder: str | None, slopes: Sequence[str], force: bool, input_path: str
) -> Plots | None:
    """Check the ``--plot`` folder and every figure file in it before anything is read.

    ``slopes`` are the random-slope columns (each has a figure), none for random intercepts.
    """
    if folder is None:
        return None
    if folder == STDIN or not folder:
        raise BadInput("--plot needs a folder name (the figures are files, not a stream)")
    link = dangling_link(folder.rstrip(os.sep + (os.altsep or "")) or folder)
    if link is not None:
        raise BadInput(f"--plot {link}; remove the link, or choose another folder")
    path = os.path.realpath(folder)
    create = not os.path.exists(path)
    if not create and not os.path.isdir(path):
        raise BadInput(f"--plot {folder!r} is not a folder; give a folder for the figures")
    if create and not os.path.isdir(os.path.dirname(path)):
        parent = os.path.dirname(os.path.normpath(folder)) or "."
        raise BadInput(f"--plot {folder!r}: cannot create it, no such folder {parent!r}")
    matplotlib_ready()
    from ..report import figure_names

    files = {
        (name, ext): plan_output(
            os.path.join(folder, f"{name}.{ext}"),
            force,
            input_path,
            flag="--plot",
            new_folder=create,
        )
        for name in figure_names(slopes)
        for ext in ("png", "svg")
    }
    return Plots(folder, path, create, files)


def draw_figures(
    fit: PoolingFit | RandomSlopesFit, limits: Limits
) -> tuple[list[ReportFigure], list[str]]:
    """The site's figures for this fit, and notes on any left out (and why)."""
    matplotlib_ready()
    from ..report import intercept_figures, slopes_figures

    notes: list[str] = []
    if isinstance(fit, RandomSlopesFit):
        return slopes_figures(fit, limits.lines), notes
    try:
        none: PoolingFit | None = limits.none
    except ValueError as exc:
        none = None
        notes.append(
            f"No pooling is not defined for these data ({one_line(exc)}), so the figures "
            "shrinkage_arrows and estimates_vs_size, which compare with it, are left out."
        )
    return intercept_figures(fit, none, complete=limits.complete), notes


def write_plots(plots: Plots, images: dict[tuple[str, str], bytes]) -> None:
    """Create the ``--plot`` folder if planned, and write each image into its planned file."""
    if plots.create:
        try:
            os.mkdir(plots.path)
        except FileExistsError:
            if not os.path.isdir(plots.path):
                raise BadInput(f"--plot {plots.shown!r} appeared meanwhile as a file") from None
        except OSError as exc:
            raise BadInput(
                f"cannot create {plots.shown!r}: {exc.strerror or one_line(exc)}"
            ) from None
    for key, image in images.items():
        write_file(plots.files[key], image)
