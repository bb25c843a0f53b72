"""Safe output: files written without destroying anything.

Every output is planned before anything is read (`plan_output`, `plan_report`,
`check_distinct_outputs`): it may not be the input file, a folder, a folder name or a symbolic
link to nothing, nor replace a file without ``--force``, and two outputs may not be one file.
It is then written to a temporary file beside the target, flushed to disk and renamed onto it
(`write_file`, `write_csv`), so an interrupted or failed run leaves the previous file as it was.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import BinaryIO, TextIO

import pandas as pd

from .common import STDIN, BadInput, one_line
from .signals import reraise_arrived_signal, stop_signals_held
from .streams import standard_stream

__all__ = [
    "Output",
    "check_distinct_outputs",
    "dangling_link",
    "plan_output",
    "plan_report",
    "report_stream",
    "write_csv",
    "write_file",
    "written_to",
]


@dataclass(frozen=True)
class Output:
    """Where a table goes: ``path`` None is standard output."""

    shown: str  # as the user wrote it
    path: str | None = None  # the file written (symbolic links resolved)
    replaces: os.stat_result | None = None  # the regular file it replaces (--force)
    in_place: bool = False  # an existing device or pipe (/dev/null, a FIFO): written directly
    flag: str = "--out"  # the option that named it (in messages)


def _same_file(input_path: str, target: os.stat_result) -> bool:
    """Whether the input (a path, or ``-``: standard input) is the file ``target``."""
    try:
        st = os.fstat(sys.stdin.fileno()) if input_path == STDIN else os.stat(input_path)
    except (OSError, ValueError):
        return False
    return (st.st_dev, st.st_ino) == (target.st_dev, target.st_ino)


def plan_output(
    out: str,
    force: bool,
    input_path: str | None = None,
    *,
    flag: str = "--out",
    new_folder: bool = False,
) -> Output:
    """Check, before anything is read or written, that writing ``out`` destroys nothing.

    ``flag`` is the option that named the file (for messages); ``new_folder`` says that its
    folder does not exist yet but will be created (``--plot DIR``).

    Raises
    ------
    BadInput
        If ``out`` is the input file ``input_path`` (by device and inode: any spelling, symbolic or
        hard link), a directory, a folder name (``new/``: it ends with a separator), a symbolic
        link to nothing, in a folder that does not exist, or an existing file and ``force``
        is false.
    """
    if out == STDIN:
        return Output(out, flag=flag)
    target = os.path.realpath(out)
    if new_folder:
        return Output(out, target, flag=flag)
    _check_names_a_file(out, flag)
    try:
        st: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise BadInput(f"cannot write {out!r}: {exc.strerror or one_line(exc)}") from None
    if st is not None and input_path is not None and _same_file(input_path, st):
        shown = "standard input" if input_path == STDIN else repr(input_path)
        raise BadInput(
            f"{flag} {out!r} is the input file ({shown}): writing it would destroy the data; "
            f"choose another {flag}"
        )
    if st is None:
        folder = os.path.dirname(target)
        if not os.path.isdir(folder):
            shown = os.path.dirname(out) or "."
            link = dangling_link(shown)
            if link is not None:
                raise BadInput(f"cannot write {out!r}: {link}")
            raise BadInput(f"cannot write {out!r}: no such folder {shown!r}")
        return Output(out, target, flag=flag)
    if stat.S_ISDIR(st.st_mode):
        raise BadInput(f"{flag} {out!r} is a directory; give a file name")
    if not stat.S_ISREG(st.st_mode):
        return Output(out, target, in_place=True, flag=flag)
    if not force:
        raise BadInput(
            f"{out!r} already exists; add --force to replace it, or choose another {flag}"
        )
    return Output(out, target, replaces=st, flag=flag)


def _ends_with_separator(path: str) -> bool:
    """Whether ``path`` ends with a folder separator (``new/``)."""
    return path.endswith(os.sep) or bool(os.altsep and path.endswith(os.altsep))


def dangling_link(path: str) -> str | None:
    """What is wrong with ``path`` if it is a symbolic link to nothing, else None.

    Writing through such a link would create its target (somewhere else, perhaps in a folder
    that does not exist), which is rarely what was meant; the message names both.
    """
    if not os.path.islink(path) or os.path.exists(path):
        return None
    try:
        target = os.readlink(path)
    except OSError:
        return None
    if os.path.islink(os.path.join(os.path.dirname(path), target)):  # a chain of links
        target = os.path.realpath(path)
    return f"{path!r} is a symbolic link to {target!r}, which does not exist"


def _check_names_a_file(out: str, flag: str) -> None:
    """An output must name a file: not a folder to be (``new/``), nor a link to nothing.

    (An existing directory, with or without a final ``/``, is refused by `plan_output`.)
    """
    bare = out.rstrip(os.sep + (os.altsep or "")) or out
    link = dangling_link(bare)
    if link is not None:
        raise BadInput(f"{flag} {link}; remove the link, or choose another {flag}")
    if not _ends_with_separator(out) or os.path.isdir(out):
        return
    if os.path.lexists(bare):
        raise BadInput(
            f"{flag} {out!r} ends with {out[-1]!r} but {bare!r} is not a folder; give a file name"
        )
    raise BadInput(
        f"{flag} {out!r} names a folder (it ends with {out[-1]!r}) and there is no folder "
        f"{bare!r}; give a file name (the output is one file)"
    )


def _new_file_mode() -> int:
    """Permissions of a newly created file: 0o666 less the umask (mkstemp would give 0o600)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _copy_mode_and_owner(fd: int, old: os.stat_result | None) -> None:
    """Give a new file the permissions (and, if allowed, owner) of the file it replaces, or the
    umask's default for a new file (mkstemp creates it 0o600)."""
    if not hasattr(os, "fchown"):  # not POSIX: the file system's defaults
        return
    os.fchmod(fd, _new_file_mode() if old is None else stat.S_IMODE(old.st_mode))
    if old is not None and (old.st_uid, old.st_gid) != (os.geteuid(), os.getegid()):
        with contextlib.suppress(OSError):
            os.fchown(fd, old.st_uid, old.st_gid)


def _fsync_folder(folder: str) -> None:
    """Make a rename in ``folder`` durable (where the file system allows)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _replace_atomically(
    output: Output,
    write: Callable[[TextIO], None] | Callable[[BinaryIO], None],
    *,
    binary: bool = False,
) -> None:
    """Write a temporary file beside the target, flush it to disk, rename it onto the target.

    Any failure or interruption removes the temporary file, so the target is either the
    previous file, untouched, or the complete new one. Stop signals are held back while the
    temporary file is created and while it is removed: Ctrl-C could otherwise land between its
    creation and the ``try`` that takes charge of it (microseconds, but a process watching for
    the file hits them), or cut the cleanup short. ``write`` gets a text stream (UTF-8), or a
    binary one when ``binary``.
    """
    assert output.path is not None
    if output.replaces is None and os.path.lexists(output.path):
        raise BadInput(
            f"{output.shown!r} appeared meanwhile; add --force to replace it, or choose "
            f"another {output.flag}"
        )
    folder, name = os.path.split(output.path)
    temp = None
    try:
        with stop_signals_held():
            fd, temp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
        stream: TextIO | BinaryIO
        if binary:
            stream = os.fdopen(fd, "wb")
        else:
            stream = os.fdopen(fd, "w", encoding="utf-8", newline="")
        with stream:
            _copy_mode_and_owner(stream.fileno(), output.replaces)
            write(stream)  # type: ignore[arg-type]
            stream.flush()
            os.fsync(stream.fileno())
        reraise_arrived_signal()  # one a library swallowed: the previous file stays
        os.replace(temp, output.path)
    except BaseException:
        if temp is not None:
            with stop_signals_held(), contextlib.suppress(OSError):
                os.unlink(temp)
        raise
    _fsync_folder(folder)


def write_file(output: Output, content: bytes) -> None:
    """Write ``content`` to a file: atomically, or straight into a device (``/dev/null``)."""
    assert output.path is not None
    try:
        if output.in_place:
            with open(output.path, "wb") as stream:
                stream.write(content)
        else:
            _replace_atomically(output, lambda stream: stream.write(content), binary=True)
    except OSError as exc:
        raise BadInput(f"cannot write {output.shown!r}: {exc.strerror or one_line(exc)}") from None


def _write_all(buffer: BinaryIO, data: bytes) -> None:
    """Write all of ``data``: a write into a pipe whose reader has gone can return short
    (what fitted in the pipe) instead of failing; the next write raises BrokenPipeError."""
    view = memoryview(data)
    while view:
        view = view[buffer.write(view) or 0 :]
    buffer.flush()


def write_csv(table: pd.DataFrame, output: Output) -> None:
    """Write ``table`` as UTF-8 CSV to a file (atomically) or to standard output."""

    def write(stream: TextIO) -> None:
        table.to_csv(stream, index=False)

    if output.path is None:
        text = table.to_csv(index=False)
        buffer = getattr(sys.stdout, "buffer", None)
        with standard_stream(sys.stdout):
            if buffer is None:
                sys.stdout.write(text)
            else:  # the table is UTF-8 whatever the terminal's encoding, like the file
                sys.stdout.flush()
                _write_all(buffer, text.encode("utf-8"))
        return
    try:
        if output.in_place:
            with open(output.path, "w", encoding="utf-8", newline="") as stream:
                write(stream)
        else:
            _replace_atomically(output, write)
    except OSError as exc:
        raise BadInput(f"cannot write {output.shown!r}: {exc.strerror or one_line(exc)}") from None


def report_stream(output: Output) -> TextIO:
    """Where the human-readable report goes: stderr when the table goes to stdout."""
    return sys.stderr if output.path is None else sys.stdout


def written_to(output: Output) -> str:
    """Where ``output`` goes, as messages say it."""
    return "standard output" if output.path is None else output.shown


def plan_report(report: str | None, force: bool, input_path: str) -> Output | None:
    """Check the ``--report`` file like an ``--out`` (`plan_output`); None without one."""
    if report is None:
        return None
    if report == STDIN:
        raise BadInput("--report needs a file name (FILE.html), not -")
    return plan_output(report, force, input_path, flag="--report")


def check_distinct_outputs(outputs: Sequence[Output]) -> None:
    """Two outputs that are one file (``--out x --report x``) would overwrite each other."""
    seen: dict[object, Output] = {}
    for output in outputs:
        if output.path is None:
            continue
        keys: list[object] = [output.path]
        with contextlib.suppress(OSError):
            st = os.stat(output.path)
            keys.append((st.st_dev, st.st_ino))
        for key in keys:
            if key in seen:
                first = seen[key]
                raise BadInput(
                    f"{first.flag} {first.shown!r} and {output.flag} {output.shown!r} are the "
                    "same file; give them different names"
                )
        seen.update(dict.fromkeys(keys, output))
