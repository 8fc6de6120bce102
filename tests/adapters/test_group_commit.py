"""Group commit: concurrent submissions share one handler call, each gets its own outcome."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

import pytest

from klantenservice.adapters.group_commit import GroupCommitter


class Recorder:
    """A handler that records its batches; ``gate`` holds the first batch until released."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.gate = threading.Event()
        self.entered = threading.Event()

    def __call__(self, items: Sequence[int]) -> list[int | Exception]:
        self.batches.append(list(items))
        self.entered.set()
        self.gate.wait(timeout=10)
        return [ValueError(f"odd {i}") if i % 2 else i * 10 for i in items]


def test_a_lone_request_is_written_at_once() -> None:
    handler = Recorder()
    handler.gate.set()
    committer = GroupCommitter(handler)

    async def main() -> int:
        return await committer.submit(4)

    assert asyncio.run(main()) == 40
    assert handler.batches == [[4]]
    committer.close()


def test_requests_arriving_while_a_batch_is_written_form_the_next_batch() -> None:
    handler = Recorder()
    committer = GroupCommitter(handler)

    async def main() -> list[int | BaseException]:
        first = asyncio.ensure_future(committer.submit(0))
        assert await asyncio.to_thread(handler.entered.wait, 10)  # the writer holds batch [0]
        later = [asyncio.ensure_future(committer.submit(i)) for i in (2, 3, 4)]
        await asyncio.sleep(0)
        handler.gate.set()
        return await asyncio.gather(first, *later, return_exceptions=True)

    outcomes = asyncio.run(main())
    assert handler.batches == [[0], [2, 3, 4]]
    assert outcomes[0] == 0 and outcomes[1] == 20 and outcomes[3] == 40
    assert isinstance(outcomes[2], ValueError) and str(outcomes[2]) == "odd 3"
    committer.close()


def test_a_handler_that_fails_fails_every_request_of_its_batch() -> None:
    def broken(items: Sequence[int]) -> list[int | Exception]:
        raise RuntimeError("database gone")

    committer: GroupCommitter[int, int] = GroupCommitter(broken)

    async def main() -> list[int | BaseException]:
        return await asyncio.gather(
            committer.submit(1), committer.submit(2), return_exceptions=True
        )

    outcomes = asyncio.run(main())
    assert [str(o) for o in outcomes] == ["database gone", "database gone"]
    committer.close()


def test_a_batch_never_exceeds_its_limit() -> None:
    handler = Recorder()
    handler.gate.set()
    committer = GroupCommitter(handler, max_batch=2)

    async def main() -> list[int]:
        return list(await asyncio.gather(*(committer.submit(i) for i in (0, 2, 4, 6, 8))))

    assert asyncio.run(main()) == [0, 20, 40, 60, 80]
    assert all(len(batch) <= 2 for batch in handler.batches)
    assert sorted(i for batch in handler.batches for i in batch) == [0, 2, 4, 6, 8]
    committer.close()


def test_a_handler_answering_the_wrong_number_of_outcomes_is_an_error() -> None:
    committer: GroupCommitter[int, int] = GroupCommitter(lambda items: [1])

    async def main() -> None:
        await asyncio.gather(committer.submit(1), committer.submit(2))

    with pytest.raises(RuntimeError, match="wrong number"):
        asyncio.run(main())
    committer.close()


def test_start_and_close_hooks_run_in_the_writer_thread_around_the_batches() -> None:
    threads: list[tuple[str, str]] = []

    def note(what: str) -> None:
        threads.append((what, threading.current_thread().name))

    def handler(items: Sequence[int]) -> list[int | Exception]:
        note("batch")
        return list(items)

    committer = GroupCommitter(
        handler, name="hooks", on_start=lambda: note("start"), on_close=lambda: note("close")
    )

    async def main() -> int:
        await committer.start()
        return await committer.submit(1)

    assert asyncio.run(main()) == 1
    committer.close()
    assert [what for what, _ in threads] == ["start", "batch", "close"]
    assert len({name for _, name in threads}) == 1
    assert threads[0][1].startswith("hooks")


def test_a_closed_committer_closes_once_and_writes_again_on_a_later_submit() -> None:
    closed: list[int] = []
    committer = GroupCommitter(
        lambda items: [i * 2 for i in items], on_close=lambda: closed.append(1)
    )

    async def main() -> int:
        return await committer.submit(2)

    assert asyncio.run(main()) == 4
    committer.close()
    committer.close()
    assert closed == [1]
    assert asyncio.run(main()) == 4  # a new writer thread
    committer.close()
    assert closed == [1, 1]
