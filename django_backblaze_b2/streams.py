"""A raw, seekable reader that keeps its own position: the base of the ranged download reader and
of the per-part views over an upload's source."""

from __future__ import annotations

import io


class PositionedReader(io.RawIOBase):
    """Tracks a read position; subclasses say where the end is and react to moves."""

    def __init__(self) -> None:
        super().__init__()
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            position = offset
        elif whence == io.SEEK_CUR:
            position = self._position + offset
        elif whence == io.SEEK_END:
            position = self._end() + offset
        else:
            raise ValueError(f"invalid whence ({whence})")
        if position < 0:
            raise ValueError(f"negative seek position {position}")
        if position != self._position:
            self._moved()
            self._position = position
        return position

    def _end(self) -> int:
        raise NotImplementedError

    def _moved(self) -> None:
        """Called before the position changes."""
