"""Concurrent use of one storage: no errors, nothing lost, no silent replacement."""

from __future__ import annotations

import hashlib
import os
import random
import threading
from typing import Any, ClassVar

import pytest
from django.core.files.base import ContentFile

from django_backblaze_b2 import BackblazeB2Storage
from django_backblaze_b2.testing import SimulatedB2


class RacingStorage(BackblazeB2Storage):
    """Another process saves the same name between this save's name check and its upload."""

    def get_upload_options(self, name: str, content: Any) -> dict[str, Any]:
        if name == "report.pdf":
            BackblazeB2Storage(**self.racer_options).save(name, ContentFile(b"the other process's report"))
        return super().get_upload_options(name, content)

    racer_options: ClassVar[dict[str, Any]] = {}


SSE_C = {"mode": "SSE-C", "key_id": "race-key", "key": bytes(range(32))}


@pytest.mark.parametrize("options", [{}, {"server_side_encryption": SSE_C}], ids=["plain", "sse-c"])
def test_a_racing_save_of_the_same_name_keeps_both_files(b2: SimulatedB2, options: dict[str, Any]) -> None:
    RacingStorage.racer_options = options
    name = RacingStorage(**options).save("report.pdf", ContentFile(b"this process's report"))
    storage = BackblazeB2Storage(**options)
    assert name != "report.pdf"
    assert storage.open("report.pdf").read() == b"the other process's report"  # the earlier upload keeps it
    assert storage.open(name).read() == b"this process's report"
    assert b2.file_versions("django", "report.pdf") == 1


def test_a_save_gives_way_to_a_large_upload_of_the_name_that_started_first(b2: SimulatedB2) -> None:
    # B2 lists versions by when they began: a large file started before this save, and finished after
    # it, would otherwise shadow it while both saves believe they kept the name.
    bucket = b2.create_bucket("django")
    started = bucket.api.session.start_large_file(bucket.id_, "movie.mp4", "video/mp4", {})
    name = BackblazeB2Storage().save("movie.mp4", ContentFile(b"a small save of the same name"))
    assert name != "movie.mp4"
    assert BackblazeB2Storage().open(name).read() == b"a small save of the same name"
    bucket.cancel_large_file(started["fileId"])


def test_many_threads_saving_one_name_lose_nothing(b2: SimulatedB2) -> None:
    storage = BackblazeB2Storage()
    contents = [f"upload {i}".encode() for i in range(12)]
    saved: dict[bytes, str] = {}
    errors: list[BaseException] = []
    start = threading.Barrier(len(contents))

    def save(content: bytes) -> None:
        try:
            start.wait()
            saved[content] = storage.save("same.txt", ContentFile(content))
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=save, args=(c,)) for c in contents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(saved.values())) == len(contents)  # as many distinct files as saves
    for content, name in saved.items():
        assert storage.open(name).read() == content  # none silently replaced


def test_mixed_operations_from_many_threads(b2: SimulatedB2) -> None:
    storage = BackblazeB2Storage(allow_file_overwrites=True)
    errors: list[BaseException] = []
    verified: list[str] = []

    def worker(n: int) -> None:
        rng = random.Random(n)
        try:
            for i in range(8):
                data = os.urandom(rng.randint(0, 50_000))
                name = f"worker-{n}/file-{i}.bin"
                storage.save(name, ContentFile(data))
                assert storage.exists(name)
                with storage.open(name) as f:
                    assert hashlib.sha1(f.read()).digest() == hashlib.sha1(data).digest()
                verified.append(name)
                if rng.random() < 0.3:
                    storage.delete(name)
                    assert not storage.exists(name)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(verified) == 64
