"""The progress line of the b2_* commands."""

from __future__ import annotations

from django_backblaze_b2.operations.progress import Progress, human_bytes


def test_on_a_terminal_the_line_is_redrawn_in_place() -> None:
    written: list[str] = []
    progress = Progress(written.append, tty=True, total_files=3, min_interval=0)

    progress.update("copied", 1500)
    progress.update("skipped", 10)
    progress.update("copied", 2_000_000)
    progress.finish()

    assert all(text.startswith("\r") for text in written)
    assert written[-1] == "\r3/3 files (2 copied, 1 skipped), 2.0 MB\x1b[K\n"
    assert "\n" not in "".join(written[:-1])


def test_in_a_log_a_line_every_n_files_and_a_last_one() -> None:
    written: list[str] = []
    progress = Progress(written.append, tty=False, total_files=5, every=2)

    for _ in range(5):
        progress.update("copied", 1)
    progress.finish()

    assert written == [
        "2/5 files (2 copied), 2 B\n",
        "4/5 files (4 copied), 4 B\n",
        "5/5 files (5 copied), 5 B\n",
    ]


def test_human_bytes() -> None:
    assert human_bytes(999) == "999 B"
    assert human_bytes(1500) == "1.5 kB"
    assert human_bytes(11_000_000) == "11.0 MB"
    assert human_bytes(3 * 10**15) == "3000.0 TB"
