"""Where replications run: in this process, in local worker processes, or on a Dask cluster.

Every option is a :class:`concurrent.futures.Executor` (or none, for serial), and
the work is the same pure function of its task, so the numbers do not depend on
what ran them; only the order in which results arrive does, and nothing
downstream depends on that order.

* ``jobs=1``: serial, in this process (no start-up cost, easiest to debug);
* ``jobs=N``: a :class:`~concurrent.futures.ProcessPoolExecutor` of N processes,
  forked on Linux (started at once, before the result store is opened, so no
  thread of DuckDB or tqdm is running when they fork; and a script needs no
  ``if __name__ == "__main__"`` guard), spawned elsewhere;
* ``dask="tcp://host:8786"``: the executor of a running Dask distributed
  scheduler (install the extra ``jtai-sim[dask]``); ``dask="local"`` starts a
  ``LocalCluster`` of ``jobs`` single-threaded worker processes for this run;
* ``executor=...``: any Executor you made yourself (you shut it down).

:func:`run_all` submits the tasks and yields ``(task, result)`` as they complete,
with a tqdm progress bar (on stderr, showing the time left) when asked.

>>> def square(x: int) -> int:
...     return x * x
>>> with open_executor(jobs=1) as ex:
...     sorted(r for _, r in run_all(square, [1, 2, 3], ex))
[1, 4, 9]
"""

from __future__ import annotations

import multiprocessing
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from typing import Any, TypeVar

from tqdm import tqdm

from jtai_sim.errors import ExperimentError

T = TypeVar("T")
R = TypeVar("R")


@contextmanager
def open_executor(
    jobs: int = 1, dask: str | None = None, executor: Executor | None = None
) -> Iterator[Executor | None]:
    """An executor for ``jobs`` local processes or a Dask address; ``None`` means serial."""
    if jobs < 1:
        raise ExperimentError(f"must be >= 1, got {jobs}", key="--jobs")
    if executor is not None:
        yield executor
        return
    if dask:
        with _dask_executor(dask, jobs) as ex:
            yield ex
        return
    if jobs == 1:
        yield None
        return
    method = "fork" if sys.platform == "linux" else "spawn"
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context(method))
    try:
        # start every worker now, before the caller opens files or starts threads
        for future in [pool.submit(_ready) for _ in range(jobs)]:
            future.result()
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _ready() -> bool:
    return True


@contextmanager
def _dask_executor(address: str, jobs: int) -> Iterator[Executor]:
    try:
        from distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - depends on the environment
        raise ExperimentError(
            "needs Dask distributed: pip install 'jtai-sim[dask]'", key="--dask"
        ) from None
    cluster = None
    if address == "local" or address.startswith("local:"):
        workers = int(address.split(":", 1)[1]) if ":" in address else max(jobs, 2)
        cluster = LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=50,
        )
        client = Client(cluster)  # type: ignore[no-untyped-call]
    else:
        try:
            client = Client(address, timeout=5)  # type: ignore[no-untyped-call]
        except (OSError, TimeoutError, ValueError) as exc:
            raise ExperimentError(
                f"cannot reach a Dask scheduler at {address!r} ({exc})", key="--dask"
            ) from None
    try:
        yield client.get_executor(pure=False)  # type: ignore[no-untyped-call]
    finally:
        client.close()  # type: ignore[no-untyped-call]
        if cluster is not None:
            cluster.close()


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
                result = future.result()
                bar.update(1)
                yield futures[future], result
        finally:
            for future in futures:
                future.cancel()
    finally:
        bar.close()


__all__ = ["open_executor", "run_all"]
