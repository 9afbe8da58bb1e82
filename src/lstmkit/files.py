"""Files lstmkit writes and reads, safely: atomic, recoverable, serialised, bounded.

Writing a file (``write_atomic``): into a temporary sibling, then one rename onto the path. Writing a folder
(``write_folder_atomic``, model folders and checkpoints) takes the lock of the folder's parent
(``folder_lock``) so two processes never interleave, then:

    1. write everything into  .<name>.tmp-XXXX      (a crash here leaves the old folder untouched)
    2. rename it to           .<name>.ready-<pid>   (complete: safe to use)
    3. move the old folder to .<name>.old-<pid>
    4. rename the ready one to <name>, then remove the old one

A crash between 3 and 4 leaves no <name>; the next write or read of it (``recover``) finds the complete
ready folder and moves it into place (or, without one, moves the old folder back), says so, and removes the
rest. Failures to write (a full disk, a read-only folder) become one ``WriteError`` naming the path and the
cause. Reading takes only regular files (never a FIFO or a device) of bounded size, and refuses JSON nested
too deeply.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import shutil
import stat
import tempfile
import warnings
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from .exceptions import ModelFileError, WriteError

__all__ = ["write_atomic", "write_folder_atomic", "recover", "read_json", "regular_file", "named_path", "folder_lock"]

log = logging.getLogger(__name__)


def named_path(path: str | Path, what: str = "--out") -> Path:
    """``path`` as a Path that names a file or folder of its own (not '', '.', '..' or '/')."""
    candidate = Path(path)
    if str(path).strip() == "" or candidate.name in ("", ".", "..") or candidate.resolve() == Path("/"):
        raise WriteError(f"{what} {str(path)!r} names no file or folder of its own; give a new name, e.g. {what} model.")
    return candidate


def _failed(path: Path, err: BaseException) -> WriteError:
    reason = getattr(err, "strerror", None) or " ".join(str(err).split())[:200]
    code = getattr(err, "errno", None)
    if code == errno.ENOSPC or "StorageFull" in str(err) or "No space left" in str(err):
        reason, hint = "no space left on the device", " Free some space, or write somewhere else."
    elif code in (errno.EACCES, errno.EPERM, errno.EROFS):
        hint = " Choose a folder you can write to."
    else:
        hint = ""
    return WriteError(f"cannot write {str(path)!r}: {reason}. Nothing was changed there.{hint}")


@contextmanager
def folder_lock(directory: Path, *, required: bool = True):
    """Serialise writers of ``directory``: an exclusive lock on its parent folder (POSIX ``flock``, which
    leaves no file behind and is released by the kernel if the process dies), or ``filelock``'s
    ``.<name>.lock`` where there is no ``flock`` (Windows). Yields whether the lock is held (a reader of a
    folder it cannot lock goes on without it)."""
    try:
        import fcntl
    except ImportError:  # Windows
        fcntl = None
    try:
        if fcntl is None:
            from filelock import FileLock

            lock = FileLock(str(directory.with_name(f".{directory.name}.lock")))
            lock.acquire()
            release = lock.release
        else:
            fd = os.open(directory.parent, os.O_RDONLY)
            fcntl.flock(fd, fcntl.LOCK_EX)

            def release() -> None:
                fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)
    except OSError as err:
        if required:
            raise _failed(directory, err) from None
        yield False
        return
    try:
        yield True
    finally:
        release()


def recover(directory: Path) -> None:
    """Finish or undo an interrupted folder swap of ``directory`` and remove what it left (see the module).
    Call with the folder's lock held."""
    parent, name = directory.parent, directory.name
    if not parent.is_dir():
        return
    leftovers = {kind: sorted(parent.glob(f".{name}.{kind}-*"), key=os.path.getmtime) for kind in ("tmp", "ready", "old")}
    if not directory.exists():
        for kind, said in (("ready", "completed an interrupted save"), ("old", "restored the folder an interrupted save had moved aside")):
            if leftovers[kind]:
                os.replace(leftovers[kind].pop(), directory)
                warnings.warn(f"{str(directory)!r}: {said}.", UserWarning, stacklevel=3)
                break
    for path in [p for paths in leftovers.values() for p in paths]:
        shutil.rmtree(path, ignore_errors=True)


def write_folder_atomic(directory: str | Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp_folder)``, then swap it into the place of ``directory`` (see the module)."""
    directory = named_path(directory)
    try:
        directory.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise _failed(directory, err) from None
    with folder_lock(directory):
        recover(directory)
        tmp = Path(tempfile.mkdtemp(prefix=f".{directory.name}.tmp-", dir=directory.parent))
        ready = directory.with_name(f".{directory.name}.ready-{os.getpid()}")
        old = directory.with_name(f".{directory.name}.old-{os.getpid()}")
        try:
            write(tmp)
            usual_permissions(tmp, *tmp.iterdir())
            os.replace(tmp, ready)
            if directory.exists():
                os.replace(directory, old)
            os.replace(ready, directory)
        except BaseException as err:
            for path in (tmp, ready):
                shutil.rmtree(path, ignore_errors=True)
            if old.exists() and not directory.exists():
                os.replace(old, directory)  # put the old folder back
            if isinstance(err, OSError) or type(err).__name__ == "SafetensorError":
                raise _failed(directory, err) from None
            raise
        shutil.rmtree(old, ignore_errors=True)
    return directory


def write_atomic(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp_path)`` then rename the temporary file onto ``path`` (same folder)."""
    path = named_path(path)
    if path.is_dir():
        raise WriteError(f"{str(path)!r} is a folder; give a file path for --out (e.g. {path / 'forecast.csv'}).")
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent)
        os.close(fd)
        write(Path(tmp))
        usual_permissions(Path(tmp))
        os.replace(tmp, path)
    except OSError as err:
        raise _failed(path, err) from None
    finally:
        if tmp is not None and Path(tmp).exists():
            Path(tmp).unlink(missing_ok=True)
    return path


def usual_permissions(*paths: Path) -> None:
    """Give files and folders the permissions a plain ``open``/``mkdir`` would (0666 / 0777 less the umask):
    ``tempfile`` creates them private (0600 / 0700), which would leave shared models and reports unreadable."""
    mask = os.umask(0)
    os.umask(mask)
    for path in paths:
        path.chmod((0o777 if path.is_dir() else 0o666) & ~mask)


def read_json(path: Path, limit: int):
    """The JSON document in ``path``: a regular file of at most ``limit`` bytes, not nested deeper than
    Python's recursion allows. -> ModelFileError otherwise."""
    regular_file(path, limit, "the file")
    try:
        return json.loads(path.read_bytes())
    except RecursionError:
        raise ModelFileError(f"{str(path)!r} nests its JSON too deeply to be an lstmkit file; the folder is damaged.") from None
    except (OSError, ValueError) as err:
        raise ModelFileError(f"{str(path)!r} is not valid JSON ({err}); the folder is damaged.") from None


def regular_file(path: Path, limit: int, what: str) -> None:
    """Refuse anything but a regular file of at most ``limit`` bytes, before opening it."""
    try:
        info = path.stat()  # follows a symbolic link: what counts is what would be read
    except OSError as err:
        raise ModelFileError(f"{what} {str(path)!r} cannot be read ({err.strerror}); the folder is damaged.") from None
    if not stat.S_ISREG(info.st_mode):
        raise ModelFileError(
            f"{what} {str(path)!r} is not a regular file (a FIFO, device or folder); the folder is damaged. "
            "Save the model again."
        )
    if info.st_size > limit:
        raise ModelFileError(
            f"{what} {str(path)!r} has {info.st_size:,} bytes, more than the {limit:,} an lstmkit model file may "
            "have; the folder is damaged."
        )
