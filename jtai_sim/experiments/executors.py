"""Where replications run: in this process, in local worker processes, or on a Dask cluster.

Every option is a :class:`concurrent.futures.Executor` (or none, for serial), and
the work is the same pure function of its task, so the numbers do not depend on
what ran them; only the order in which results arrive does, and nothing
downstream depends on that order.

* ``jobs=1``: serial, in this process (no start-up cost, easiest to debug);
* ``jobs=N``: a :class:`~concurrent.futures.ProcessPoolExecutor` of N processes,
  forked on Linux (started at once, before the result store is opened, so no
  thread of DuckDB or tqdm is running when they fork; and a script needs no
  ``if __name__ == "__main__"`` guard), spawned elsewhere; never more processes
  than there are runs (``runs``), and never more than :func:`max_jobs`;
* ``dask="tcp://host:8786"``: the executor of a running Dask distributed
  scheduler (install the extra ``jtai-sim[dask]``); ``dask="local"`` starts a
  ``LocalCluster`` of ``jobs`` single-threaded worker processes for this run,
  ``dask="local:N"`` one of N;
* ``executor=...``: any Executor you made yourself (you shut it down).

:func:`run_all` submits the tasks and yields ``(task, result)`` as they complete,
with a tqdm progress bar (on stderr, showing the time left) when asked.

A local worker never outlives the process that started it, however that one
ends (an error, Ctrl-C, ``kill -TERM`` or ``kill -KILL``): on Linux the kernel
sends the worker SIGKILL when its parent dies (``PR_SET_PDEATHSIG``), and on
every system a watchdog thread in the worker ends it within half a second of
seeing that its parent is gone. The command line
turns SIGTERM into an interruption (``runner.cli.main``), so the result store is
closed with no run half written.

>>> def square(x: int) -> int:
...     return x * x
>>> with open_executor(jobs=1) as ex:
...     sorted(r for _, r in run_all(square, [1, 2, 3], ex))
[1, 4, 9]
"""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import (
    BrokenExecutor,
    Executor,
    Future,
    ProcessPoolExecutor,
    as_completed,
)
from contextlib import contextmanager
from typing import Any, TypeVar

from tqdm import tqdm

from jtai_sim.errors import ExperimentError

T = TypeVar("T")
R = TypeVar("R")

#: Workers per processor at most. Our own bound: a replication is one busy
#: single-threaded process, so more workers than processors only share them; four
#: per processor leaves room for hyper-threads and for waiting on a Dask cluster,
#: while a mistyped ``--jobs 1000`` is refused instead of forking a thousand copies.
JOBS_PER_CPU = 4

#: How often a worker's watchdog looks for its parent, in seconds (our own choice:
#: a worker ends within half a second of its parent, at the cost of one system
#: call per half second).
WATCH_SECONDS = 0.5

_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def max_jobs() -> int:
    """The most worker processes allowed: :data:`JOBS_PER_CPU` per processor of this machine."""
    return JOBS_PER_CPU * (os.cpu_count() or 1)


def check_jobs(jobs: int, key: str = "--jobs") -> int:
    """``jobs`` if it is from 1 to :func:`max_jobs`, else an error naming ``key`` and the value.

    >>> check_jobs(0)
    Traceback (most recent call last):
    ...
    jtai_sim.errors.ExperimentError: --jobs: must be >= 1, got 0
    """
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ExperimentError(f"must be >= 1, got {jobs!r}", key=key)
    if jobs > max_jobs():
        raise ExperimentError(
            f"must be at most {max_jobs()} ({JOBS_PER_CPU} per processor, and this machine "
            f"has {os.cpu_count() or 1}), got {jobs}",
            key=key,
        )
    return jobs


@contextmanager
def open_executor(
    jobs: int = 1,
    dask: str | None = None,
    executor: Executor | None = None,
    *,
    runs: int | None = None,
) -> Iterator[Executor | None]:
    """An executor for ``jobs`` local processes or a Dask address; ``None`` means serial.

    ``runs``, when known, is the most tasks there will be at once: no more local
    workers than that are started.
    """
    check_jobs(jobs)
    if executor is not None:
        yield executor
        return
    if dask is not None:
        with _dask_executor(dask, jobs) as ex:
            yield ex
        return
    workers = jobs if runs is None else max(1, min(jobs, runs))
    if workers == 1:
        yield None
        return
    method = "fork" if sys.platform == "linux" else "spawn"
    on_main_thread = threading.current_thread() is threading.main_thread()
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context(method),
        initializer=_worker_start,
        initargs=(os.getpid(), on_main_thread),
    )
    ended_well = False
    try:
        # start every worker now, before the caller opens files or starts threads
        for future in [pool.submit(_ready) for _ in range(workers)]:
            future.result()
        yield pool
        ended_well = True
    finally:
        if not ended_well:
            _stop_workers(pool)
        pool.shutdown(wait=True, cancel_futures=True)


def _ready() -> bool:
    return True


def _worker_start(parent: int, pdeathsig: bool) -> None:
    """Run first in every local worker: end it when the process that started it ends.

    ``PR_SET_PDEATHSIG`` fires when the *thread* that forked the worker ends, so it
    is asked for only when the pool was made on the main thread; the watchdog
    covers the other cases and other systems.
    """
    if pdeathsig and sys.platform == "linux":
        _kill_me_with_my_parent()
    if os.getppid() != parent:  # the parent died before the request above was made
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), name="parent-watch", daemon=True).start()


def _kill_me_with_my_parent() -> None:
    """Ask Linux to send this process SIGKILL when its parent ends (best effort)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # pragma: no cover - a libc without prctl
        pass


def _watch_parent(parent: int) -> None:
    """Poll the parent's pid and end this worker at once when it has changed."""
    while os.getppid() == parent:
        time.sleep(WATCH_SECONDS)
    os._exit(1)


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """End the pool's workers now, so an error or SIGTERM does not wait for running tasks."""
    terminate: Callable[[], None] | None = getattr(pool, "terminate_workers", None)
    if terminate is not None:  # pragma: no cover - Python 3.14 and later
        terminate()
        return
    # before Python 3.14 the pool's processes are reachable only through this attribute
    processes: dict[int, Any] = getattr(pool, "_processes", None) or {}
    for process in list(processes.values()):
        process.kill()


#: ``local`` or ``local:N``, the forms of a LocalCluster address.
_LOCAL = re.compile(r"local(?::(.*))?", re.S)
#: A scheduler address: an optional ``scheme://``, then ``host:port``.
_ADDRESS = re.compile(r"(?:[a-z][a-z0-9+.-]*://)?[^\s/:]+(?::\d{1,5})?", re.I)

#: Seconds to wait for a Dask scheduler to answer (our own bound: a scheduler on
#: a working network answers within a second; a wrong address fails quickly).
DASK_TIMEOUT = 5


def dask_workers(address: str, jobs: int) -> int | None:
    """The worker count of a ``local`` or ``local:N`` address (``None`` for a scheduler),
    checked against the same bound as ``--jobs``.

    >>> dask_workers("local:3", 1), dask_workers("tcp://h:8786", 1)
    (3, None)
    >>> dask_workers("local:abc", 1)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    jtai_sim.errors.ExperimentError: --dask: 'local:abc': the number of workers ... got 'abc'
    """
    local = _LOCAL.fullmatch(address)
    if local is None:
        if not _ADDRESS.fullmatch(address):
            raise ExperimentError(
                f"{address!r} is not a scheduler address (tcp://host:8786) or local[:N]",
                key="--dask",
            )
        return None
    count = local.group(1)
    if count is None:
        return max(jobs, 2)
    if not re.fullmatch(r"\d+", count):
        raise ExperimentError(
            f"{address!r}: the number of workers after 'local:' must be a whole number, "
            f"got {count!r}",
            key="--dask",
        )
    try:
        return check_jobs(int(count), key="--dask")
    except ExperimentError as exc:
        raise ExperimentError(f"{address!r}: workers {exc.message}", key="--dask") from None


@contextmanager
def _dask_executor(address: str, jobs: int) -> Iterator[Executor]:
    workers = dask_workers(address, jobs)
    try:
        from distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - depends on the environment
        raise ExperimentError(
            "needs Dask distributed: pip install 'jtai-sim[dask]'", key="--dask"
        ) from None
    cluster = None
    if workers is not None:
        cluster = LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=50,
        )
        client = Client(cluster)  # type: ignore[no-untyped-call]
    else:
        client = _connect(address)
    try:
        yield client.get_executor(pure=False)  # type: ignore[no-untyped-call]
    finally:
        client.close()  # type: ignore[no-untyped-call]
        if cluster is not None:
            cluster.close()


def _connect(address: str) -> Any:
    """A Dask client of the scheduler at ``address``, or one line naming --dask and it.

    Whatever answers at a wrong address (nothing, a firewall, another kind of
    server whose bytes Dask misreads) fails within :data:`DASK_TIMEOUT` seconds.
    """
    from distributed import Client

    try:
        return Client(address, timeout=DASK_TIMEOUT)  # type: ignore[no-untyped-call]
    except Exception as exc:  # any failure to connect is a fault of the address
        if isinstance(exc, OSError | TimeoutError):
            reason = str(exc).split("\n")[0] or type(exc).__name__
        else:  # something answered, but its bytes are not Dask's protocol
            reason = f"what answers there is not a Dask scheduler: {type(exc).__name__}"
        raise ExperimentError(
            f"cannot reach a Dask scheduler at {address!r} ({reason})", key="--dask"
        ) from None


def run_all(
    function: Callable[[T], R],
    tasks: Iterable[T],
    executor: Executor | None,
    *,
    progress: bool = False,
    description: str = "replications",
) -> Iterator[tuple[T, R]]:
    """Run ``function`` on every task and yield ``(task, result)`` as each completes.

    If the caller stops early (an error, Ctrl-C), tasks not yet started are cancelled.
    """
    todo = list(tasks)
    bar: Any = tqdm(
        total=len(todo),
        desc=description,
        unit="run",
        disable=None if progress else True,
        dynamic_ncols=True,
        smoothing=0.1,
    )
    try:
        if executor is None:
            for task in todo:
                result = function(task)
                bar.update(1)
                yield task, result
            return
        futures: dict[Future[R], T] = {executor.submit(function, task): task for task in todo}
        try:
            for future in as_completed(futures):
                try:
                    result = future.result()
                except BrokenExecutor:
                    raise ExperimentError(
                        "a worker process ended abruptly (killed, or out of memory); the "
                        "finished runs are kept: run again to resume, perhaps with fewer --jobs",
                        key="--jobs",
                    ) from None
                bar.update(1)
                yield futures[future], result
        finally:
            for future in futures:
                future.cancel()
    finally:
        bar.close()


__all__ = [
    "JOBS_PER_CPU",
    "check_jobs",
    "dask_workers",
    "max_jobs",
    "open_executor",
    "run_all",
]
