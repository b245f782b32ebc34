"""Progress bars of the shell commands: services report progress through a callback, never draw it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from tqdm import tqdm


@contextmanager
def progress_bar(stream, *, desc: str, unit: str, enabled: bool) -> Iterator[Callable[[int, int], None]]:
    """A callback `(done, total)` that draws a bar on `stream` (on a terminal; silent elsewhere)."""
    bar = tqdm(desc=desc, unit=unit, file=stream, disable=not enabled)

    def advance(done: int, total: int) -> None:
        bar.total = total
        bar.update(done - bar.n)

    try:
        yield advance
    finally:
        bar.close()
