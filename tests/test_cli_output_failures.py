"""The command line keeps the promise of its help when the output has nowhere to go.

The help promises exit status 0, 2 or 130 (143 after SIGTERM) with one line on standard
error, never a traceback. Each case here runs the command as a real process (``python -m
partial_pooling``) and checks the exit status, that standard error is exactly the one line
expected, and that nothing is created, replaced or removed on disk that should not be:

- standard output on a full device (``> /dev/full``), for the table (``--out -``) and for the
  summary (the files were written by then, and the message says so); standard output closed
  (``>&-``): refused before anything is read or written; standard input closed for ``-``;
  standard error closed: what would go there does not end up in the table on standard output;
- ``--out`` (or ``--report``) naming a folder: ``new/`` (no file ``new`` appears),
  ``existing/``, ``existing``, ``file/``;
- ``--out`` a symbolic link to nothing: the message names the link and its target, the link
  stays and no target is created (nor through a link to a missing folder, nor ``--plot``);
- a CSV file with old Mac line ends (CR only) is named as such;
- a home folder matplotlib cannot write to: no warning of matplotlib's on standard error, with
  or without ``--plot``, and its temporary folder removed at exit.
"""

from __future__ import annotations

import errno
import io
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from partial_pooling.cli import main

FIT = ["fit", "radon.csv", "--y", "log_radon", "--group", "county"]
ERROR = "partial-pooling: error: "
NO_SPACE = os.strerror(errno.ENOSPC)
ENV = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}

needs_dev_full = pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")


@pytest.fixture
def folder(tmp_path) -> Path:
    """A folder holding radon.csv (the command's working directory)."""
    assert main(["datasets", "radon", "--out", str(tmp_path / "radon.csv")]) == 0
    return tmp_path


def snapshot(folder: Path) -> dict[str, object]:
    """Every entry under ``folder``: a link's target, a file's bytes, or "folder"."""
    found: dict[str, object] = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(root, name)
            key = str(path.relative_to(folder))
            if path.is_symlink():
                found[key] = ("link", os.readlink(path))
            elif path.is_dir():
                found[key] = "folder"
            else:
                found[key] = path.read_bytes()
    return found


def run(
    *args: str,
    cwd: Path,
    redirect: str = "",
    stdout: object = subprocess.PIPE,
    stdin: object = subprocess.DEVNULL,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """The command line as a real process; ``redirect`` (``>&-``) is applied by a shell."""
    command = [sys.executable, "-m", "partial_pooling", *args]
    if redirect:
        command = ["sh", "-c", f'exec "$@" {redirect}', "sh", *command]
    return subprocess.run(
        command,
        cwd=cwd,
        stdout=stdout,
        stdin=stdin,
        stderr=subprocess.PIPE,
        env=ENV if env is None else env,
        timeout=300,
    )


def assert_one_error(result: subprocess.CompletedProcess[bytes], message: str) -> None:
    """Exit status 2 and exactly one line on stderr: ``partial-pooling: error: message``."""
    err = result.stderr.decode()
    assert "Traceback" not in err
    assert err.count("\n") == 1, err
    assert (result.returncode, err) == (2, f"{ERROR}{message}\n")


# ---------------------------------------------------------------------------------------------
# Standard output on a full device, closed; standard input and error closed


@needs_dev_full
@pytest.mark.parametrize(
    "args",
    [[*FIT, "--out", "-"], ["datasets", "dyestuff", "--out", "-"]],
    ids=["fit", "datasets"],
)
def test_the_table_to_a_full_device_is_one_line_and_writes_nothing(folder, args):
    before = snapshot(folder)
    with open("/dev/full", "wb") as full:
        result = run(*args, cwd=folder, stdout=full)
    assert_one_error(result, f"cannot write to standard output: {NO_SPACE}")
    assert snapshot(folder) == before


@needs_dev_full
def test_the_summary_to_a_full_device_is_one_line_that_says_the_estimates_were_written(folder):
    before = snapshot(folder)
    with open("/dev/full", "wb") as full:
        result = run(*FIT, "--out", "e.csv", cwd=folder, stdout=full)
    message = f"cannot write to standard output: {NO_SPACE}; 'e.csv' was written all the same"
    assert_one_error(result, message)
    after = snapshot(folder)
    assert sorted(after) == sorted([*before, "e.csv"])  # no temporary file left behind
    assert len(pd.read_csv(folder / "e.csv")) == 85


@needs_dev_full
def test_the_export_summary_to_a_full_device_names_the_file_written(folder):
    with open("/dev/full", "wb") as full:
        result = run("datasets", "dyestuff", cwd=folder, stdout=full)
    written = "'dyestuff.csv' was written all the same"
    assert_one_error(result, f"cannot write to standard output: {NO_SPACE}; {written}")
    assert len(pd.read_csv(folder / "dyestuff.csv")) == 30


@needs_dev_full
def test_the_summary_to_a_full_device_lists_every_output_written(folder):
    args = [*FIT, "--out", "e.csv", "--plot", "figs", "--report", "r.html"]
    with open("/dev/full", "wb") as full:
        result = run(*args, cwd=folder, stdout=full)
    written = "'e.csv', 'figs/' and 'r.html' were written all the same"
    assert_one_error(result, f"cannot write to standard output: {NO_SPACE}; {written}")
    assert (folder / "r.html").stat().st_size > 0
    assert (folder / "figs" / "lambda_vs_n.png").exists()


@pytest.mark.parametrize(
    ("out", "what"),
    [("-", "the table (--out -)"), ("e.csv", "the summary")],
    ids=["table", "summary"],
)
def test_a_closed_stdout_is_refused_before_anything_is_written(folder, out, what):
    before = snapshot(folder)
    result = run(*FIT, "--out", out, cwd=folder, redirect=">&-")
    message = (
        f"standard output is closed (>&-) and {what} is written there; to discard it, "
        "redirect it to /dev/null"
    )
    assert_one_error(result, message)
    assert snapshot(folder) == before


def test_a_closed_stdout_writes_no_export_either(folder):
    before = snapshot(folder)
    result = run("datasets", "dyestuff", cwd=folder, redirect=">&-")
    message = (
        "standard output is closed (>&-) and the summary is written there; to discard it, "
        "redirect it to /dev/null"
    )
    assert_one_error(result, message)
    assert snapshot(folder) == before  # no dyestuff.csv


def test_a_closed_stdin_for_dash_is_one_line(folder):
    before = snapshot(folder)
    result = run("fit", "-", *FIT[2:], "--out", "e.csv", cwd=folder, redirect="<&-")
    assert_one_error(result, "standard input is closed (<&-), and DATA.csv - reads it; give a file")
    assert snapshot(folder) == before


def test_a_closed_stderr_keeps_the_summary_out_of_the_table_on_stdout(folder):
    # Python makes a closed stderr None, and print(file=None) writes to stdout
    result = run(*FIT, "--out", "-", cwd=folder, redirect="2>&-")
    assert result.returncode == 0
    table = pd.read_csv(io.BytesIO(result.stdout), dtype={"group": str})
    assert len(table) == 85 and table["lambda_j"].between(0, 1).all()
    failed = run(*FIT[:2], "--y", "nope", "--group", "county", cwd=folder, redirect="2>&-")
    assert (failed.returncode, failed.stdout) == (2, b"")


# ---------------------------------------------------------------------------------------------
# --out names a folder


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            [*FIT, "--out", "newdir/"],
            "--out 'newdir/' names a folder (it ends with '/') and there is no folder "
            "'newdir'; give a file name (the output is one file)",
        ),
        (
            [*FIT, "--out", "e.csv", "--report", "newdir/"],
            "--report 'newdir/' names a folder (it ends with '/') and there is no folder "
            "'newdir'; give a file name (the output is one file)",
        ),
        (
            ["datasets", "radon", "--out", "newdir/"],
            "--out 'newdir/' names a folder (it ends with '/') and there is no folder "
            "'newdir'; give a file name (the output is one file)",
        ),
        ([*FIT, "--out", "existing/"], "--out 'existing/' is a directory; give a file name"),
        ([*FIT, "--out", "existing"], "--out 'existing' is a directory; give a file name"),
        (
            [*FIT, "--out", "notes.txt/", "--force"],
            "--out 'notes.txt/' ends with '/' but 'notes.txt' is not a folder; give a file name",
        ),
    ],
    ids=["new/", "--report new/", "datasets new/", "existing/", "existing", "file/"],
)
def test_an_output_that_names_a_folder_is_refused_and_nothing_is_created(folder, args, message):
    (folder / "existing").mkdir()
    (folder / "existing" / "kept.csv").write_text("kept\n")
    (folder / "notes.txt").write_text("my notes\n")
    before = snapshot(folder)
    assert_one_error(run(*args, cwd=folder), message)
    assert snapshot(folder) == before  # no file called newdir, nothing in existing/


# ---------------------------------------------------------------------------------------------
# --out is a symbolic link to nothing


@pytest.mark.parametrize(
    ("target", "args", "message"),
    [
        (
            "missing/target.csv",
            ["--out", "out.csv"],
            "--out 'out.csv' is a symbolic link to 'missing/target.csv', which does not exist; "
            "remove the link, or choose another --out",
        ),
        (
            "target.csv",
            ["--out", "out.csv", "--force"],
            "--out 'out.csv' is a symbolic link to 'target.csv', which does not exist; "
            "remove the link, or choose another --out",
        ),
        (
            "target.html",
            ["--out", "e.csv", "--report", "out.csv"],
            "--report 'out.csv' is a symbolic link to 'target.html', which does not exist; "
            "remove the link, or choose another --report",
        ),
        (
            "missing",
            ["--out", "out.csv/e.csv"],
            "cannot write 'out.csv/e.csv': 'out.csv' is a symbolic link to 'missing', which "
            "does not exist",
        ),
        (
            "figures",
            ["--out", "e.csv", "--plot", "out.csv"],
            "--plot 'out.csv' is a symbolic link to 'figures', which does not exist; remove "
            "the link, or choose another folder",
        ),
    ],
    ids=["in a missing folder", "--force", "--report", "a folder link", "--plot"],
)
def test_a_dangling_symbolic_link_is_named_with_its_target_and_left_alone(
    folder, target, args, message
):
    (folder / "out.csv").symlink_to(target)
    before = snapshot(folder)
    assert_one_error(run(*FIT, *args, cwd=folder), message)
    assert snapshot(folder) == before  # the link is still there; no target, no e.csv


# ---------------------------------------------------------------------------------------------
# Old Mac line ends


@pytest.mark.parametrize("stdin", [False, True], ids=["file", "standard input"])
def test_old_mac_line_ends_are_named_as_such(folder, stdin):
    text = (folder / "radon.csv").read_bytes()
    (folder / "mac.csv").write_bytes(text.replace(b"\r\n", b"\n").replace(b"\n", b"\r"))
    before = snapshot(folder)
    source = "standard input" if stdin else "mac.csv"
    with open(folder / "mac.csv", "rb") as stream:
        data = "-" if stdin else "mac.csv"
        result = run("fit", data, *FIT[2:], cwd=folder, stdin=stream if stdin else None)
    message = f"cannot read {source}: old Mac line ends (CR only): convert to LF or CRLF"
    assert_one_error(result, message)
    assert snapshot(folder) == before  # no estimates.csv


def test_crlf_line_ends_are_read_as_usual(folder):
    text = (folder / "radon.csv").read_bytes().replace(b"\r\n", b"\n")
    (folder / "dos.csv").write_bytes(text.replace(b"\n", b"\r\n"))
    result = run("fit", "dos.csv", *FIT[2:], "--out", "e.csv", cwd=folder)
    assert (result.returncode, result.stderr) == (0, b"")
    assert len(pd.read_csv(folder / "e.csv")) == 85


# ---------------------------------------------------------------------------------------------
# A home folder matplotlib cannot write to


def unwritable_home_env(home: str, tmp: Path) -> dict[str, str]:
    """``HOME`` that cannot hold a folder (even for root), matplotlib's own variables unset,
    and temporary files in ``tmp`` (to see that they are removed)."""
    env = {k: v for k, v in ENV.items() if k not in {"XDG_CONFIG_HOME", "XDG_CACHE_HOME"}}
    env.pop("MPLCONFIGDIR", None)
    return {**env, "HOME": home, "TMPDIR": str(tmp)}


HOMES = {"under /dev/null": lambda folder: "/dev/null/home", "a file": lambda folder: str(folder)}


@pytest.mark.parametrize("home", sorted(HOMES))
def test_an_unwritable_home_adds_nothing_to_stderr(folder, home, tmp_path_factory):
    home_file = folder / "home"
    home_file.write_text("not a folder\n")
    tmp = tmp_path_factory.mktemp("tmp")
    env = unwritable_home_env(HOMES[home](home_file), tmp)
    # the case is real: matplotlib alone complains in this environment
    probe_tmp = tmp_path_factory.mktemp("probe")
    probe = subprocess.run(
        [sys.executable, "-c", "import matplotlib"],
        env={**env, "TMPDIR": str(probe_tmp)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Matplotlib created a temporary" in probe.stderr

    plain = run(*FIT, "--out", "e.csv", cwd=folder, env=env)
    assert (plain.returncode, plain.stderr) == (0, b"")
    assert b"Wrote 85 groups" in plain.stdout
    drawn = run(*FIT, "--out", "e.csv", "--force", "--plot", "figs", cwd=folder, env=env)
    assert (drawn.returncode, drawn.stderr) == (0, b"")
    assert b"Wrote 3 figures as PNG and SVG to figs/" in drawn.stdout
    assert sorted(os.listdir(folder / "figs")) == sorted(
        f"{name}.{ext}"
        for name in ("estimates_vs_size", "lambda_vs_n", "shrinkage_arrows")
        for ext in ("png", "svg")
    )
    assert os.listdir(tmp) == []  # the temporary matplotlib folder is removed at exit


def test_mplconfigdir_set_by_the_user_is_used(folder, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("tmp")
    mine = tmp_path_factory.mktemp("mpl")
    env = {**unwritable_home_env("/dev/null/home", tmp), "MPLCONFIGDIR": str(mine)}
    drawn = run(*FIT, "--out", "e.csv", "--plot", "figs", cwd=folder, env=env)
    assert (drawn.returncode, drawn.stderr) == (0, b"")
    assert any(name.startswith("fontlist") for name in os.listdir(mine))  # its font cache
    assert os.listdir(tmp) == []
