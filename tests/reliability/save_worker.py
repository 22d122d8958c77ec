"""A separate process saving files through its own storage, for the cross-process race tests.

Run as ``python -m tests.reliability.save_worker`` with ``B2_WORKER_CONFIG`` (BACKBLAZE_CONFIG as JSON)
in the environment. It sets Django up, prints ``ready``, waits for one line on stdin (so every worker
starts its saves at the same moment), saves each ``name size seed`` job it was given on the command
line, and prints ``{"name asked": ..., "stored as": ..., "sha1": ...}`` per save as JSON lines.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import sys

import django
from django.conf import settings


def content(size: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(size)


def main(jobs: list[str]) -> None:
    settings.configure(
        INSTALLED_APPS=["django_backblaze_b2"],
        CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
        BACKBLAZE_CONFIG=json.loads(os.environ["B2_WORKER_CONFIG"]),
        USE_TZ=True,
    )
    django.setup()
    from django.core.files.base import ContentFile

    from django_backblaze_b2 import BackblazeB2Storage

    storage = BackblazeB2Storage()
    storage.exists("warm-up")  # authorize and find the bucket before the race starts
    print("ready", flush=True)
    sys.stdin.readline()
    for job in jobs:
        name, size, seed = job.split(":")
        data = content(int(size), int(seed))
        stored = storage.save(name, ContentFile(data))
        print(json.dumps({"asked": name, "stored": stored, "sha1": hashlib.sha1(data).hexdigest()}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
