"""Real B2 clients against a server process: the ``b2`` command-line tool (b2sdk over /b2api/v4) and
rclone (its own Go client over /b2api/v1).

Both are found where ``make b2cli`` and ``make rclone`` put them (``.venv-b2cli/bin/b2``, rclone on
the PATH; ``B2_CLI``/``RCLONE`` name others). Without them these tests are skipped, except under
``CI=true``, where a missing client fails them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from django_backblaze_b2.testing.server import ServerProcess
from django_backblaze_b2.testing.simulator import MB

ROOT = Path(__file__).resolve().parents[2]
PART = 5 * MB
UPLOADS = ("b2_upload_file", "b2_upload_part")


def _client(variable: str, candidates: list[Path | str | None], install: str) -> str:
    for candidate in [os.environ.get(variable), *candidates]:
        if candidate and (found := shutil.which(str(candidate))):
            return found
    reason = f"{variable.lower().replace('_', ' ')} not found: `{install}` installs it (or set {variable})"
    if os.environ.get("CI") == "true":
        pytest.fail(f"required under CI=true: {reason}")
    pytest.skip(reason)


@pytest.fixture
def b2_cli() -> str:
    return _client("B2_CLI", [ROOT / ".venv-b2cli" / "bin" / "b2", "b2"], "make b2cli")


@pytest.fixture
def rclone_bin() -> str:
    return _client("RCLONE", ["rclone"], "make rclone")


@pytest.fixture
def process(tmp_path: Path) -> Iterator[ServerProcess]:
    with ServerProcess(data_dir=tmp_path / "b2-data", recommended_part_size=PART) as running:
        yield running


def uploads(process: ServerProcess) -> int:
    calls = process.calls
    return sum(calls[name] for name in UPLOADS)


def make_tree(root: Path) -> dict[str, bytes]:
    files = {
        "small.txt": b"hello from a small file\n",
        "photos/cat.jpg": os.urandom(300_000),
        "photos/deep/dog.jpg": os.urandom(1000),
        "big.bin": os.urandom(2 * PART + 12345),  # goes up in parts
    }
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return files


class B2Cli:
    def __init__(self, binary: str, process: ServerProcess, home: Path) -> None:
        home.mkdir(exist_ok=True)
        self.binary = binary
        self.env = {
            **os.environ,
            "HOME": str(home),
            "B2_ENVIRONMENT": process.realm,
            "B2_APPLICATION_KEY_ID": process.key_id,
            "B2_APPLICATION_KEY": process.key,
            "B2_ACCOUNT_INFO": str(home / "account-info.sqlite"),
            "B2_ESCAPE_CONTROL_CHARACTERS": "0",
        }

    def run(self, *arguments: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [self.binary, *arguments], env=self.env, capture_output=True, text=True, timeout=300, check=False
        )
        if check and done.returncode != 0:
            raise AssertionError(f"b2 {' '.join(arguments)} failed ({done.returncode}): {done.stderr}")
        return done

    def json(self, *arguments: str) -> dict[str, object]:
        return json.loads(self.run(*arguments).stdout)  # type: ignore[no-any-return]


def test_b2_cli(b2_cli: str, process: ServerProcess, tmp_path: Path) -> None:
    b2 = B2Cli(b2_cli, process, tmp_path / "home")
    files = make_tree(tmp_path / "src")
    b2.run("bucket", "create", "cli-bucket", "allPrivate", "--file-lock-enabled")

    # Upload, small and in parts; list; the stored checksums are the files'.
    b2.run("file", "upload", "--no-progress", "cli-bucket", str(tmp_path / "src" / "small.txt"), "small.txt")
    b2.run("file", "upload", "--no-progress", "cli-bucket", str(tmp_path / "src" / "big.bin"), "big.bin")
    assert process.calls["b2_upload_part"] >= 2
    assert b2.run("ls", "-r", "b2://cli-bucket").stdout.split() == ["big.bin", "small.txt"]
    info = b2.json("file", "info", "b2://cli-bucket/big.bin")
    assert info["size"] == len(files["big.bin"])

    # Sync a tree twice: the second run uploads nothing.
    b2.run("sync", "--no-progress", str(tmp_path / "src"), "b2://cli-bucket/tree")
    after_first = uploads(process)
    b2.run("sync", "--no-progress", str(tmp_path / "src"), "b2://cli-bucket/tree")
    assert uploads(process) == after_first
    listed = b2.run("ls", "-r", "b2://cli-bucket/tree").stdout.split()
    assert listed == sorted(f"tree/{name}" for name in files)

    # Download (whole and in parts) and a server-side copy.
    for name in ("tree/big.bin", "tree/photos/cat.jpg"):
        target = tmp_path / "down" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        b2.run("file", "download", "--no-progress", f"b2://cli-bucket/{name}", str(target))
        assert target.read_bytes() == files[name.removeprefix("tree/")]
    b2.run("file", "server-side-copy", "b2://cli-bucket/tree/small.txt", "b2://cli-bucket/copy.txt")
    assert process.calls["b2_copy_file"] == 1
    assert b2.run("file", "cat", "b2://cli-bucket/copy.txt").stdout.encode() == files["small.txt"]

    # Hide, then delete versions.
    b2.run("file", "hide", "b2://cli-bucket/copy.txt")
    assert "copy.txt" not in b2.run("ls", "-r", "b2://cli-bucket").stdout.split()
    versions = b2.run("ls", "-r", "--versions", "-l", "b2://cli-bucket").stdout.splitlines()
    assert sum("copy.txt" in line for line in versions) == 2  # the copy and its hide marker

    # A legal hold refuses a delete; lifted, the delete goes through.
    file_id = str(b2.json("file", "info", "b2://cli-bucket/small.txt")["fileId"])
    b2.run("file", "update", "--legal-hold", "on", "b2://cli-bucket/small.txt")
    refused = b2.run("rm", f"b2id://{file_id}", check=False)
    assert refused.returncode != 0
    assert "is not allowed" in refused.stdout  # b2sdk's AccessDenied
    assert "small.txt" in b2.run("ls", "-r", "b2://cli-bucket").stdout.split()
    b2.run("file", "update", "--legal-hold", "off", "b2://cli-bucket/small.txt")
    b2.run("rm", f"b2id://{file_id}")
    assert "small.txt" not in b2.run("ls", "-r", "b2://cli-bucket").stdout.split()

    # Governance retention: removed only with --bypass-governance.
    until = str(int((time.time() + 3600) * 1000))
    b2.run("file", "update", "--file-retention-mode", "governance", "--retain-until", until, "b2://cli-bucket/big.bin")
    assert b2.run("file", "update", "--file-retention-mode", "none", "b2://cli-bucket/big.bin", check=False).returncode
    b2.run("file", "update", "--file-retention-mode", "none", "--bypass-governance", "b2://cli-bucket/big.bin")

    # Calls the issue found missing: notification rules, keys with their buckets.
    assert "No notification rules" in b2.run("bucket", "notification-rule", "list", "b2://cli-bucket").stdout
    b2.run("key", "create", "--bucket", "cli-bucket", "reader-key", "listFiles,readFiles")
    assert "cli-bucket" in b2.run("key", "list", "--long").stdout


class Rclone:
    def __init__(self, binary: str, process: ServerProcess, config: Path) -> None:
        config.write_text(
            f"[b2]\ntype = b2\naccount = {process.key_id}\nkey = {process.key}\nendpoint = {process.realm}\n"
        )
        self.command = [binary, "--config", str(config), "--b2-upload-cutoff", "5M", "--b2-chunk-size", "5M"]

    def run(self, *arguments: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([*self.command, *arguments], capture_output=True, text=True, timeout=300, check=False)
        if done.returncode != 0:
            raise AssertionError(f"rclone {' '.join(arguments)} failed ({done.returncode}): {done.stderr}")
        return done


def test_rclone(rclone_bin: str, process: ServerProcess, tmp_path: Path) -> None:
    rclone = Rclone(rclone_bin, process, tmp_path / "rclone.conf")
    files = make_tree(tmp_path / "src")
    rclone.run("mkdir", "b2:rclone-bucket")

    # Copy a tree (the big file in parts) twice: the second run uploads nothing.
    rclone.run("copy", str(tmp_path / "src"), "b2:rclone-bucket/tree")
    assert process.calls["b2_upload_part"] >= 2
    after_first = uploads(process)
    rclone.run("copy", str(tmp_path / "src"), "b2:rclone-bucket/tree")
    assert uploads(process) == after_first

    # Sizes and SHA-1s from the listing agree with the files (the large file's from its file info).
    rclone.run("check", str(tmp_path / "src"), "b2:rclone-bucket/tree")
    sizes = dict(line.split(maxsplit=1)[::-1] for line in rclone.run("ls", "b2:rclone-bucket/tree").stdout.splitlines())
    assert {name: int(size) for name, size in sizes.items()} == {name: len(data) for name, data in files.items()}

    # Download everything back.
    rclone.run("copy", "b2:rclone-bucket/tree", str(tmp_path / "down"))
    for name, data in files.items():
        assert (tmp_path / "down" / name).read_bytes() == data

    # A server-side copy, then a delete (rclone hides) that keeps the old version listed.
    rclone.run("copyto", "b2:rclone-bucket/tree/photos/cat.jpg", "b2:rclone-bucket/copies/cat.jpg")
    assert process.calls["b2_copy_file"] == 1
    rclone.run("delete", "b2:rclone-bucket/copies")
    assert process.calls["b2_hide_file"] == 1
    assert rclone.run("lsf", "b2:rclone-bucket/copies").stdout == ""
    assert rclone.run("lsf", "--b2-versions", "b2:rclone-bucket/copies").stdout.startswith("cat-v")
