"""The progress line of the b2_* commands and of collectstatic."""

from __future__ import annotations

from django_backblaze_b2.operations.progress import Progress, human_bytes, human_duration


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_on_a_terminal_the_line_is_redrawn_in_place() -> None:
    written: list[str] = []
    clock = Clock()
    progress = Progress(written.append, tty=True, total_files=3, min_interval=0, clock=clock)

    clock.now += 1
    progress.update("copied", 1500)
    progress.update("skipped", 10)
    clock.now += 1
    progress.update("copied", 2_000_000)
    progress.finish()

    assert all(text.startswith("\r") for text in written)
    # Skipped bytes are shown apart and don't count in the rate.
    assert written[-1] == "\r3/3 files (2 copied, 1 skipped), 2.0 MB copied, 10 B skipped, 1.0 MB/s, 2 files/s\x1b[K\n"
    assert "\n" not in "".join(written[:-1])


def test_the_eta_comes_from_the_files_left_at_the_rate_so_far() -> None:
    clock = Clock()
    progress = Progress(lambda text: None, tty=False, total_files=1000, clock=clock)

    for _ in range(100):
        progress.update("copied", 1_000_000)
    clock.now += 10

    assert progress.line() == "100/1000 files (100 copied), 100.0 MB copied, 10.0 MB/s, 10 files/s, ETA 1m30s"


def test_without_a_total_there_is_no_eta() -> None:
    clock = Clock()
    progress = Progress(lambda text: None, tty=False, clock=clock)
    progress.update("deleted", 5)
    clock.now += 1

    assert progress.line() == "1 files (1 deleted), 5 B deleted, 5 B/s, 1 files/s"


def test_in_a_log_a_line_every_n_files_and_a_last_one() -> None:
    written: list[str] = []
    clock = Clock()
    progress = Progress(written.append, tty=False, total_files=5, every=2, clock=clock)

    for _ in range(5):
        clock.now += 1
        progress.update("copied", 1)
    progress.finish()

    assert written == [
        "2/5 files (2 copied), 2 B copied, 1 B/s, 1 files/s, ETA 3s\n",
        "4/5 files (4 copied), 4 B copied, 1 B/s, 1 files/s, ETA 1s\n",
        "5/5 files (5 copied), 5 B copied, 1 B/s, 1 files/s\n",
    ]


def test_human_bytes_and_durations() -> None:
    assert human_bytes(999) == "999 B"
    assert human_bytes(1500) == "1.5 kB"
    assert human_bytes(11_000_000) == "11.0 MB"
    assert human_bytes(3 * 10**15) == "3000.0 TB"
    assert human_duration(59.4) == "59s"
    assert human_duration(125) == "2m05s"
    assert human_duration(7300) == "2h01m"


def test_a_message_of_ones_own_rubs_out_the_line_on_a_terminal_only() -> None:
    written: list[str] = []
    Progress(written.append, tty=True).clear()
    Progress(written.append, tty=False).clear()

    assert written == ["\r\x1b[K"]
