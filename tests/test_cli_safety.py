"""The command line never destroys data, and ends cleanly however it is stopped.

- An output file that is the input file, however it is spelled, is refused before anything is
  read or written, even with ``--force``; an existing output file is replaced only with
  ``--force``, keeping its permissions.
- Files are written to a temporary file and renamed: a failed or interrupted write leaves the
  previous file byte for byte and no temporary file behind.
- Ctrl-C (SIGINT) and SIGTERM, sent to a real process while it reads, fits or writes, end it
  with one line on stderr and status 130 (143), never a traceback. Which phase the process is
  in is observed from outside, through ``/proc/PID/fd`` (the input file open) and the
  temporary file in the output folder, not through a hook in the program.
- A reader that stops early (``| head -1``) and a terminal that cannot encode a column's name
  (``PYTHONIOENCODING=ascii``) cause no traceback either.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from partial_pooling.cli import main

INTERRUPTED = "partial-pooling: interrupted\n"


def export(name: str, folder: Path) -> Path:
    path = folder / f"{name}.csv"
    assert main(["datasets", name, "--out", str(path)]) == 0
    return path


def refused(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    """Run ``main``, expect exit status 2 and one line on stderr; return that line."""
    capsys.readouterr()
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("partial-pooling: error: ")
    assert captured.err.count("\n") == 1, captured.err
    assert captured.out == ""
    return captured.err


def temporaries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def cli(*args: str, **kwargs) -> subprocess.Popen:
    """The command line as a real process (``python -m partial_pooling``)."""
    return subprocess.Popen(
        [sys.executable, "-m", "partial_pooling", *args],
        stdout=kwargs.pop("stdout", subprocess.PIPE),
        stderr=subprocess.PIPE,
        **kwargs,
    )


# ---------------------------------------------------------------------------------------------
# The output is never the input


@pytest.fixture
def radon_csv(tmp_path) -> Path:
    return export("radon", tmp_path)


SPELLINGS: dict[str, Callable[[Path], str]] = {
    "the same relative path": lambda p: p.name,
    "the absolute path": lambda p: str(p.resolve()),
    "a path through ..": lambda p: f"../{p.parent.name}/./{p.name}",
    "a symbolic link to it": lambda p: _symlink(p),
    "a hard link to it": lambda p: _hardlink(p),
}


def _symlink(path: Path) -> str:
    link = path.parent / "link.csv"
    link.symlink_to(path.name)
    return link.name


def _hardlink(path: Path) -> str:
    link = path.parent / "hard.csv"
    os.link(path, link)
    return link.name


@pytest.mark.parametrize("spelling", sorted(SPELLINGS))
def test_output_that_is_the_input_is_refused_however_spelled(
    radon_csv, capsys, monkeypatch, spelling
):
    monkeypatch.chdir(radon_csv.parent)
    before = radon_csv.read_bytes()
    out = SPELLINGS[spelling](radon_csv)
    files = sorted(os.listdir("."))
    argv = ["fit", "radon.csv", "--y", "log_radon", "--group", "county", "--out", out, "--force"]
    err = refused(capsys, argv)
    assert "is the input file" in err and "--out" in err
    assert radon_csv.read_bytes() == before
    assert sorted(os.listdir(".")) == files  # nothing written, not even a temporary file


def test_output_that_is_the_input_is_refused_with_the_input_spelled_through_a_link(
    radon_csv, capsys
):
    link = radon_csv.parent / "link.csv"
    link.symlink_to(radon_csv)
    before = radon_csv.read_bytes()
    argv = ["fit", str(link), "--y", "log_radon", "--group", "county", "--out", str(radon_csv)]
    assert "is the input file" in refused(capsys, [*argv, "--force"])
    assert radon_csv.read_bytes() == before


def test_output_that_is_the_file_on_standard_input_is_refused(radon_csv):
    before = radon_csv.read_bytes()
    with radon_csv.open("rb") as stdin:
        proc = cli(
            "fit", "-", "--y", "log_radon", "--group", "county", "--out", str(radon_csv),
            "--force", stdin=stdin, text=True,
        )  # fmt: skip
        _, err = proc.communicate(timeout=120)
    assert proc.returncode == 2
    assert "is the input file (standard input)" in err and err.count("\n") == 1
    assert radon_csv.read_bytes() == before


def test_the_reported_reproducer_keeps_its_919_rows(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["datasets", "radon", "--out", "r.csv"]) == 0
    argv = ["fit", "r.csv", "--y", "log_radon", "--group", "county", "--out", "r.csv"]
    refused(capsys, argv)
    assert len(pd.read_csv("r.csv")) == 919


# ---------------------------------------------------------------------------------------------
# An existing file is replaced only with --force


def test_existing_estimates_are_not_replaced_without_force(radon_csv, capsys, monkeypatch):
    monkeypatch.chdir(radon_csv.parent)
    Path("estimates.csv").write_text("my own notes\n")
    err = refused(capsys, ["fit", "radon.csv", "--y", "log_radon", "--group", "county"])
    assert "'estimates.csv' already exists" in err and "--force" in err
    assert Path("estimates.csv").read_text() == "my own notes\n"
    argv = ["fit", "radon.csv", "--y", "log_radon", "--group", "county", "--force"]
    assert main(argv) == 0
    assert len(pd.read_csv("estimates.csv")) == 85


def test_existing_export_is_not_replaced_without_force(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("radon.csv").write_text("precious\n")
    err = refused(capsys, ["datasets", "radon"])
    assert "'radon.csv' already exists" in err and "--force" in err
    assert Path("radon.csv").read_text() == "precious\n"
    assert main(["datasets", "radon", "--force"]) == 0
    assert len(pd.read_csv("radon.csv")) == 919


def test_existing_output_is_refused_before_the_input_is_read(tmp_path, capsys):
    (tmp_path / "e.csv").write_text("x\n")
    missing = tmp_path / "missing.csv"
    argv = ["fit", str(missing), "--y", "y", "--group", "g", "--out", str(tmp_path / "e.csv")]
    assert "already exists" in refused(capsys, argv)


@pytest.mark.parametrize("mode", [0o640, 0o604])
def test_force_keeps_the_permissions_of_the_file_it_replaces(radon_csv, mode):
    out = radon_csv.parent / "e.csv"
    out.write_text("old\n")
    out.chmod(mode)
    argv = ["fit", str(radon_csv), "--y", "log_radon", "--group", "county", "--out", str(out)]
    assert main([*argv, "--force"]) == 0
    assert stat.S_IMODE(out.stat().st_mode) == mode
    assert len(pd.read_csv(out)) == 85


def test_a_new_file_has_the_umask_permissions_not_mkstemps_0600(radon_csv):
    out = radon_csv.parent / "new.csv"
    old = os.umask(0o027)
    try:
        argv = ["fit", str(radon_csv), "--y", "log_radon", "--group", "county"]
        assert main([*argv, "--out", str(out)]) == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(out.stat().st_mode) == 0o640


def test_force_through_a_symbolic_link_replaces_its_target_and_keeps_the_link(radon_csv):
    target = radon_csv.parent / "target.csv"
    target.write_text("old\n")
    link = radon_csv.parent / "out.csv"
    link.symlink_to(target.name)
    argv = ["fit", str(radon_csv), "--y", "log_radon", "--group", "county", "--out", str(link)]
    assert main([*argv, "--force"]) == 0
    assert link.is_symlink()
    assert len(pd.read_csv(target)) == 85


def test_output_to_a_device_needs_no_force(radon_csv, capsys):
    argv = ["fit", str(radon_csv), "--y", "log_radon", "--group", "county", "--out", os.devnull]
    assert main(argv) == 0
    assert "to /dev/null" in capsys.readouterr().out
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)  # still the device, not a file


def test_output_in_a_missing_folder_is_refused_before_reading(tmp_path, capsys):
    out = tmp_path / "no_folder" / "e.csv"
    argv = ["fit", str(tmp_path / "missing.csv"), "--y", "y", "--group", "g", "--out", str(out)]
    err = refused(capsys, argv)
    assert "cannot write" in err and "no such folder" in err


def test_output_that_is_a_directory_is_refused(radon_csv, capsys):
    argv = ["fit", str(radon_csv), "--y", "log_radon", "--group", "county"]
    assert "is a directory" in refused(capsys, [*argv, "--out", str(radon_csv.parent)])


# ---------------------------------------------------------------------------------------------
# Writes are atomic


class Boom(OSError):
    """A disk that fills up in the middle of a write."""


def _failing_to_csv(error: BaseException) -> Callable[..., object]:
    original = pd.DataFrame.to_csv

    def to_csv(self, path_or_buf=None, *args, **kwargs):
        if path_or_buf is None or not hasattr(path_or_buf, "write"):
            return original(self, path_or_buf, *args, **kwargs)
        text = original(self, None, *args, **kwargs)
        path_or_buf.write(text[: len(text) // 2])  # half the table, then the failure
        path_or_buf.flush()
        raise error

    return to_csv


@pytest.mark.parametrize(
    ("error", "status", "message"),
    [
        (Boom(28, "No space left on device"), 2, "cannot write"),
        (KeyboardInterrupt(), 130, "interrupted"),
    ],
    ids=["disk full", "Ctrl-C"],
)
def test_a_write_that_fails_midway_leaves_the_previous_file_byte_identical(
    radon_csv, capsys, monkeypatch, error, status, message
):
    out = radon_csv.parent / "e.csv"
    out.write_bytes(b"previous,estimates\n1,2\n")
    monkeypatch.setattr(pd.DataFrame, "to_csv", _failing_to_csv(error))
    argv = ["fit", str(radon_csv), "--y", "log_radon", "--group", "county", "--out", str(out)]
    capsys.readouterr()
    assert main([*argv, "--force"]) == status
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
    assert out.read_bytes() == b"previous,estimates\n1,2\n"
    assert temporaries(radon_csv.parent) == []


def test_a_write_that_fails_midway_leaves_no_new_file(radon_csv, monkeypatch):
    monkeypatch.setattr(pd.DataFrame, "to_csv", _failing_to_csv(Boom(28, "disk full")))
    out = radon_csv.parent / "e.csv"
    argv = ["fit", str(radon_csv), "--y", "log_radon", "--group", "county", "--out", str(out)]
    assert main(argv) == 2
    assert not out.exists()
    assert sorted(p.name for p in radon_csv.parent.iterdir()) == ["radon.csv"]


# ---------------------------------------------------------------------------------------------
# Standard output


def test_dash_out_writes_the_table_to_stdout_and_the_summary_to_stderr(radon_csv, capsys):
    argv = ["fit", str(radon_csv), "--y", "log_radon", "--group", "county", "--out", "-"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    table = pd.read_csv(pd.io.common.StringIO(captured.out), dtype={"group": str})
    assert len(table) == 85 and table.columns[0] == "group"
    assert "Random-intercept model fit by REML" in captured.err
    assert "to standard output" in captured.err
    assert not (radon_csv.parent / "-").exists()


def test_datasets_to_stdout_suggests_a_pipe_into_fit(capsys):
    assert main(["datasets", "dyestuff", "--out", "-"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("Batch,Yield") or captured.out.startswith("Yield,Batch")
    assert "| partial-pooling fit - --y Yield --group Batch" in captured.err


# ---------------------------------------------------------------------------------------------
# Real processes: signals, pipes, encodings


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory) -> Path:
    """A million rows in 250,000 groups: reading, fitting and writing each take a while."""
    rng = np.random.default_rng(20241126)
    n, groups = 1_000_000, 250_000
    g = rng.integers(0, groups, n)
    y = np.round(rng.normal(size=groups)[g] + rng.normal(size=n), 3)
    path = tmp_path_factory.mktemp("big") / "big.csv"
    pd.DataFrame({"y": y, "g": np.char.add("g", g.astype(str))}).to_csv(path, index=False)
    return path


def open_files(pid: int) -> set[str]:
    """The files a process has open, from /proc."""
    found = set()
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except FileNotFoundError:
        return found
    for fd in fds:
        try:
            found.add(os.readlink(f"/proc/{pid}/fd/{fd}"))
        except OSError:
            continue
    return found


def wait_until(proc: subprocess.Popen, condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 120
    while not condition():
        if proc.poll() is not None:
            _, stderr = proc.communicate()
            pytest.fail(f"the process ended (status {proc.returncode}) before {what}: {stderr}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"timed out waiting until {what}")
        time.sleep(0.001)


def reading(proc: subprocess.Popen, data: Path) -> Callable[[], bool]:
    """Wait until the process reads the input; return the test that it still does."""

    def is_open() -> bool:
        return str(data) in open_files(proc.pid)

    wait_until(proc, is_open, "it opened the input")
    return is_open


def fitting(proc: subprocess.Popen, data: Path) -> Callable[[], bool]:
    """Wait until the process is past reading and in the fit; return the test that it has not
    begun writing."""
    reading(proc, data)
    wait_until(proc, lambda: str(data) not in open_files(proc.pid), "it closed the input")
    time.sleep(0.2)  # past putting the columns together: in the fit
    return lambda: not temporaries(data.parent)


def writing(proc: subprocess.Popen, data: Path) -> Callable[[], bool]:
    """Wait until the process writes its temporary file; return the test that it still does."""

    def writes() -> bool:
        return bool(temporaries(data.parent))

    wait_until(proc, writes, "it created its temporary file")
    return writes


PHASES = {"reading": reading, "fitting": fitting, "writing": writing}


def stopped(pid: int) -> bool:
    """True once the process is stopped (state T in /proc/<pid>/stat)."""
    with open(f"/proc/{pid}/stat") as stat_file:
        return stat_file.read().rpartition(")")[2].split()[0] in {"T", "t"}


def signal_in_phase(proc: subprocess.Popen, data: Path, phase: str, signum: int) -> bool:
    """Send ``signum`` while the process is in ``phase``, for certain: the process is frozen
    (SIGSTOP) once it is seen in the phase, the signal is sent only if it is still there, and
    the process resumes (SIGCONT) with the signal pending. False when the process had left the
    phase before it froze (the signal is not sent; the process is killed)."""
    still_there = PHASES[phase](proc, data)
    proc.send_signal(signal.SIGSTOP)
    deadline = time.monotonic() + 60
    while not stopped(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.001)
    if not still_there():
        proc.kill()
        proc.communicate()
        return False
    proc.send_signal(signum)
    proc.send_signal(signal.SIGCONT)
    return True


@pytest.fixture
def workdir(big_csv, tmp_path) -> Path:
    """A folder holding the big input and a previous estimates file."""
    data = tmp_path / "big.csv"
    os.link(big_csv, data)
    (tmp_path / "estimates.csv").write_bytes(b"previous,estimates\n1,2\n")
    return tmp_path


@pytest.mark.parametrize(
    ("signum", "status", "message"),
    [
        (signal.SIGINT, 130, INTERRUPTED),
        (signal.SIGTERM, 143, "partial-pooling: terminated (SIGTERM)\n"),
    ],
    ids=["SIGINT", "SIGTERM"],
)
@pytest.mark.parametrize("phase", sorted(PHASES))
def test_a_signal_in_any_phase_ends_with_one_line_and_the_previous_file_intact(
    workdir, phase, signum, status, message
):
    data, out = workdir / "big.csv", workdir / "estimates.csv"
    for _attempt in range(5):  # the process is caught in the phase at the first, nearly always
        proc = cli(
            "fit", str(data), "--y", "y", "--group", "g", "--out", str(out), "--force", text=True
        )
        if signal_in_phase(proc, data, phase, signum):
            break
    else:
        pytest.fail(f"the process left the {phase} phase before it could be stopped, 5 times")
    stdout, stderr = proc.communicate(timeout=120)
    assert (proc.returncode, stderr, stdout) == (status, message, "")
    assert out.read_bytes() == b"previous,estimates\n1,2\n"
    assert temporaries(workdir) == []


def swallowing(function: Callable, signum: int) -> Callable:
    """``function``, preceded by ``signum`` arriving inside a library that swallows whatever
    is raised (numpy does so with an exception raised in a pandas dtype's ``__eq__``)."""

    def wrapped(*args, **kwargs):
        try:
            os.kill(os.getpid(), signum)
            time.sleep(0.1)  # the handler runs here, and its exception is lost
        except BaseException:
            pass
        return function(*args, **kwargs)

    return wrapped


@pytest.mark.parametrize(
    ("signum", "status", "message"),
    [(signal.SIGINT, 130, INTERRUPTED), (signal.SIGTERM, 143, "terminated (SIGTERM)")],
    ids=["SIGINT", "SIGTERM"],
)
def test_a_signal_a_library_swallows_while_writing_still_stops_before_the_file_is_replaced(
    radon_csv, monkeypatch, capsys, signum, status, message
):
    out = radon_csv.parent / "estimates.csv"
    out.write_bytes(b"previous,estimates\n1,2\n")
    monkeypatch.setattr(pd.DataFrame, "to_csv", swallowing(pd.DataFrame.to_csv, signum))
    argv = ["fit", str(radon_csv), "--y", "log_radon", "--group", "county"]
    assert main([*argv, "--out", str(out), "--force"]) == status
    captured = capsys.readouterr()
    assert message in captured.err and captured.err.count("\n") == 1
    assert captured.out == ""
    assert out.read_bytes() == b"previous,estimates\n1,2\n"
    assert temporaries(radon_csv.parent) == []


def test_a_signal_a_library_swallows_after_writing_still_ends_with_its_status(
    radon_csv, monkeypatch, capsys
):
    # the estimates are complete and in place; the exit status still reports the signal
    out = radon_csv.parent / "estimates.csv"
    monkeypatch.setattr(
        "partial_pooling.cli.output._fsync_folder",
        swallowing(lambda folder: None, signal.SIGTERM),
    )
    argv = ["fit", str(radon_csv), "--y", "log_radon", "--group", "county", "--out", str(out)]
    assert main(argv) == 143
    assert capsys.readouterr().err.endswith("partial-pooling: terminated (SIGTERM)\n")
    assert len(pd.read_csv(out)) == 85


def test_a_reader_that_goes_away_at_once_causes_no_traceback(radon_csv):
    out = radon_csv.parent / "e.csv"
    proc = cli("fit", str(radon_csv), "--y", "log_radon", "--group", "county", "--out", str(out))
    proc.stdout.close()  # nobody reads the summary
    stderr = proc.stderr.read()
    proc.wait(timeout=120)
    assert (proc.returncode, stderr) == (141, b"")
    assert len(pd.read_csv(out)) == 85  # the estimates were written before the summary


def test_the_table_piped_into_head_ends_quietly(big_csv):
    proc = cli("fit", str(big_csv), "--y", "y", "--group", "g", "--out", "-")
    head = subprocess.run(["head", "-1"], stdin=proc.stdout, capture_output=True, check=True)
    proc.stdout.close()
    stderr = proc.stderr.read()
    proc.wait(timeout=120)
    assert head.stdout == b"group,n_j,ybar_j,ybar_adj_j,lambda_j,alpha_j,cond_sd_j\n"
    assert (proc.returncode, stderr) == (141, b"")


@pytest.fixture
def accented_csv(tmp_path) -> Path:
    path = tmp_path / "donnees.csv"
    frame = pd.DataFrame(
        {"réponse": [1.0, 2.0, 3.5, 1.5, 2.5, 0.5], "Größe": ["Zürich", "Genève"] * 3}
    )
    frame.to_csv(path, index=False, encoding="utf-8")
    return path


def ascii_env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONIOENCODING": "ascii", **extra}


def test_non_ascii_names_on_an_ascii_terminal_are_escaped_not_a_traceback(accented_csv):
    out = accented_csv.parent / "e.csv"
    argv = ["fit", str(accented_csv), "--y", "réponse", "--group", "Größe", "--out", str(out)]
    proc = cli(*argv, env=ascii_env())
    stdout, stderr = proc.communicate(timeout=120)
    assert (proc.returncode, stderr) == (0, b"")
    assert b"Gr\\xf6\\xdfe" in stdout  # the summary names the column, escaped
    assert pd.read_csv(out, encoding="utf-8")["group"].tolist() == ["Genève", "Zürich"]


def test_non_ascii_table_on_an_ascii_terminal_is_still_utf8(accented_csv):
    argv = ["fit", str(accented_csv), "--y", "réponse", "--group", "Größe", "--out", "-"]
    proc = cli(*argv, env=ascii_env())
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0 and b"Traceback" not in stderr
    assert "Zürich".encode() in stdout  # data are UTF-8, like the file; only messages escape


def test_non_ascii_error_on_an_ascii_terminal_is_one_line(accented_csv):
    proc = cli("fit", str(accented_csv), "--y", "réponse", "--group", "Grösse", env=ascii_env())
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 2
    assert stderr.count(b"\n") == 1 and b"Traceback" not in stderr
    assert b"did you mean 'Gr\\xf6\\xdfe'" in stderr


def test_non_ascii_column_names_typed_under_the_c_locale_are_found(accented_csv):
    env = {**os.environ, "LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}
    env.pop("PYTHONIOENCODING", None)
    out = accented_csv.parent / "e.csv"
    argv = ["fit", str(accented_csv), "--y", "réponse", "--group", "Größe", "--out", str(out)]
    proc = cli(*argv, env=env)
    _, stderr = proc.communicate(timeout=120)
    assert (proc.returncode, stderr) == (0, b"")
    assert out.exists()


def _package_loading(pid: int) -> bool:
    """True once numpy's compiled core is mapped: the package import is under way."""
    try:
        with open(f"/proc/{pid}/maps") as maps:
            return "_multiarray_umath" in maps.read()
    except OSError:
        return False


def _entry_point_with_stand_in(tmp_path: Path, cli_source: str) -> subprocess.CompletedProcess:
    """Run the entry point (src/_partial_pooling_cli.py) with a stand-in ``partial_pooling.cli``
    first on the path, whose module body is ``cli_source``."""
    fake = tmp_path / "fake" / "partial_pooling"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    (fake / "cli.py").write_text(cli_source)
    src = Path(__file__).resolve().parents[1] / "src"
    return subprocess.run(
        [sys.executable, "-c", "import _partial_pooling_cli as m; raise SystemExit(m.main())"],
        env={**os.environ, "PYTHONPATH": f"{fake.parent}{os.pathsep}{src}"},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("how", ["raised as is", "turned into an ImportError"])
def test_ctrl_c_during_start_up_is_one_line_however_a_library_reports_it(tmp_path, how):
    """An interrupt inside numpy's C extensions surfaces as numpy's own ImportError (seen
    under load: "Importing the numpy C-extensions failed ... could not import module
    'datetime'"): the entry point still reports one line and 130. The stand-in interrupts its
    own import and reports it either way, deterministically."""
    convert = how != "raised as is"
    proc = _entry_point_with_stand_in(
        tmp_path,
        "import os, signal, time\n"
        "try:\n"
        "    os.kill(os.getpid(), signal.SIGINT)\n"
        "    time.sleep(5)\n"
        "except KeyboardInterrupt as exc:\n"
        + (
            "    raise ImportError('Importing the C-extensions failed') from exc\n"
            if convert
            else "    raise\n"
        ),
    )
    assert (proc.returncode, proc.stderr, proc.stdout) == (130, INTERRUPTED, "")


def test_an_import_error_without_an_interrupt_is_not_called_an_interrupt(tmp_path):
    proc = _entry_point_with_stand_in(tmp_path, "raise ImportError('a broken install')\n")
    assert proc.returncode == 1
    assert proc.stderr.rstrip().endswith("ImportError: a broken install")


def test_ctrl_c_while_the_command_starts_is_one_line(tmp_path):
    # the installed command (not python -m): its entry point catches an interrupt that comes
    # while numpy, scipy and pandas are still being imported
    command = Path(sys.executable).with_name("partial-pooling")
    out = tmp_path / "radon.csv"
    proc = subprocess.Popen(
        [str(command), "datasets", "radon", "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_until(proc, lambda: _package_loading(proc.pid), "it began importing the package")
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert (proc.returncode, stderr, stdout) == (130, INTERRUPTED, "")
    assert not out.exists()
