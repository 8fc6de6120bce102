"""Group commit: the requests that arrive while one batch is written form the next batch.

    request ─► submit(item) ─┐                     ┌─► future of item 1
    request ─► submit(item) ─┼─► pending ─► handler(batch) in the writer thread ─┼─► ...
    request ─► submit(item) ─┘   (one transaction for the whole batch)    └─► future of item n

On SQLite there is one writer at a time anyway; paying one ``BEGIN IMMEDIATE``, one WAL
commit and one audit-chain update per batch instead of per request is what lets the intake
keep up with the HTTP server (bench/intake.py). Nothing waits on a timer: an idle committer
runs a lone request at once, and a busy one batches exactly what queued up meanwhile, so
latency under light load stays that of a single transaction.

The handler runs in one dedicated thread (the event loop never blocks on the database) and
returns one outcome per item, in order: a result, or an exception to raise to that item's
caller. A handler that raises fails the whole batch with that exception. ``on_start`` and
``on_close`` run in the same thread before the first and after the last batch (the process
writer starts and stops its child there, ``adapters/writer_process.py``). A caller whose
request is cancelled (client gone) does not take its item out: it is still written, and
intake is idempotent on its external id, so a retry finds it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


class GroupCommitter(Generic[Item, Result]):
    def __init__(
        self,
        handler: Callable[[Sequence[Item]], Sequence[Result | Exception]],
        *,
        max_batch: int = 256,
        name: str = "group-commit",
        on_start: Callable[[], None] | None = None,
        on_close: Callable[[], None] | None = None,
    ) -> None:
        self._handler = handler
        self._on_start = on_start
        self._on_close = on_close
        self._max_batch = max_batch
        self._pending: list[tuple[Item, asyncio.Future[Result]]] = []
        self._name = name
        self._executor: ThreadPoolExecutor | None = None
        self._writer: asyncio.Task[None] | None = None

    def _thread(self) -> ThreadPoolExecutor:
        """The writer thread; a new one after ``close`` (an app's lifespan may run again)."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=self._name)
        return self._executor

    async def start(self) -> None:
        """Run ``on_start`` in the writer thread (optional: the handler may start lazily)."""
        if self._on_start is not None:
            await asyncio.get_running_loop().run_in_executor(self._thread(), self._on_start)

    async def submit(self, item: Item) -> Result:
        """Queue ``item`` for the next batch and wait for its outcome."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Result] = loop.create_future()
        self._pending.append((item, future))
        if self._writer is None or self._writer.done():
            self._writer = loop.create_task(self._write_batches())
        return await future

    async def _write_batches(self) -> None:
        loop = asyncio.get_running_loop()
        while self._pending:
            batch = self._pending[: self._max_batch]
            del self._pending[: self._max_batch]
            items = [item for item, _ in batch]
            try:
                outcomes = await loop.run_in_executor(self._thread(), self._handler, items)
                if len(outcomes) != len(batch):
                    raise RuntimeError("group commit handler returned the wrong number of outcomes")
            except Exception as error:  # the whole batch failed: every caller learns why
                outcomes = [error] * len(batch)
            for (_, future), outcome in zip(batch, outcomes, strict=True):
                if future.done():
                    continue
                if isinstance(outcome, Exception):
                    future.set_exception(outcome)
                else:
                    future.set_result(outcome)

    def close(self) -> None:
        """Finish the batch being written, run ``on_close`` and stop the writer thread.

        Closing twice is harmless, and a later ``start`` or ``submit`` starts a new thread
        (tests enter one app's lifespan from two clients, nested).
        """
        executor, self._executor = self._executor, None
        if executor is None:
            return
        if self._on_close is not None:
            executor.submit(self._on_close)  # after every batch already queued
        executor.shutdown(wait=True)
