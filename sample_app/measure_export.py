"""How much memory "export my data" takes: prints figures, asserts nothing.

    python sample_app/measure_export.py [MEGABYTES]

Runs the sample's export of one user's MEGABYTES (default 64) of incompressible files against the
local B2 server in a child process (so B2's own copy of the data is not in this process), and
reports the peak of Python allocations while building the archive, next to the archive's size.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]


def main(megabytes: int) -> None:
    from django_backblaze_b2.testing.server import LocalB2Server

    with tempfile.TemporaryDirectory() as workdir, LocalB2Server.spawn() as b2:
        os.environ.update(
            DJANGO_SETTINGS_MODULE="sample_project.settings",
            SAMPLE_DATABASE_PATH=f"{workdir}/db.sqlite3",
            SAMPLE_VAR_DIR=f"{workdir}/var",
            B2_REALM=b2.realm,
        )
        import django

        django.setup()
        from django.contrib.auth.models import User
        from django.core.files import File
        from django.core.management import call_command
        from django.utils import timezone

        from showcase import exports
        from showcase.models import DataExport, PrivateDocument

        call_command("migrate", verbosity=0)
        user = User.objects.create(username="measured")
        source = Path(workdir) / "big.bin"
        with open(source, "wb") as out:
            for _ in range(megabytes):
                out.write(os.urandom(1024 * 1024))
        with open(source, "rb") as content:
            PrivateDocument.objects.create(uploaded_by=user, file=File(content, name="big.bin"))
        export = DataExport.objects.create(owner=user, expires_at=timezone.now())

        tracemalloc.start()
        started = time.perf_counter()
        exports.build(export)
        seconds = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

        mib = 1024 * 1024
        print(f"user files:            {megabytes} MiB (incompressible)")
        print(f"archive in B2:         {export.size / mib:.1f} MiB")
        print(f"peak Python memory:    {peak / mib:.1f} MiB while building it")
        print(f"time:                  {seconds:.1f} s (local B2 server, loopback)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 64)
