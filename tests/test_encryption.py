"""Server-side encryption: SSE-C and SSE-B2 round trips on every upload and read path, clear errors
for a wrong or missing key (losing nothing), start-up refusals, and the key kept out of everything."""

from __future__ import annotations

import base64
import io
import logging
import os
import pickle
from typing import Any

import pytest
from b2sdk.v2 import EncryptionMode
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile, File
from django.core.files.uploadedfile import TemporaryUploadedFile

from django_backblaze_b2 import BackblazeB2Storage, LoggedInStorage
from django_backblaze_b2.encryption import EncryptionKeyError
from django_backblaze_b2.testing import SimulatedB2

KEY = bytes(range(32))
KEY_B64 = base64.b64encode(KEY).decode()
OTHER_KEY = bytes(range(1, 33))
SSE_C = {"mode": "SSE-C", "key_id": "key-2024", "key": KEY}
BIG = 11_000_000  # more than two of the 5 MB parts the simulator below recommends


def sse_c_storage(**options: Any) -> BackblazeB2Storage:
    return BackblazeB2Storage(bucket="vault-bucket", server_side_encryption=SSE_C, **options)


def stored_mode(b2: SimulatedB2, key: str, bucket: str = "vault-bucket") -> EncryptionMode:
    return b2.api().get_bucket_by_name(bucket).get_file_info_by_name(key).server_side_encryption.mode


def read_all(file: Any) -> bytes:
    chunks = []
    while chunk := file.read(4 * 1024 * 1024):
        chunks.append(chunk)
    return b"".join(chunks)


@pytest.fixture(scope="module")
def big_content() -> bytes:
    return os.urandom(BIG)


class NonSeekable(io.RawIOBase):
    def __init__(self, data: bytes) -> None:
        self._stream = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


# -- SSE-C round trips ---------------------------------------------------------------------------


def test_small_file_round_trip(b2: SimulatedB2) -> None:
    storage = sse_c_storage()
    storage.save("secret.txt", ContentFile(b"top secret"))
    assert stored_mode(b2, "secret.txt") == EncryptionMode.SSE_C
    with storage.open("secret.txt") as file:
        assert file.read() == b"top secret"
    with storage.open("secret.txt", "r") as text:
        assert text.read() == "top secret"
    assert storage.size("secret.txt") == 10


def test_written_through_open_is_encrypted(b2: SimulatedB2) -> None:
    storage = sse_c_storage()
    with storage.open("notes.txt", "w") as file:
        file.write("dear diary")
    assert stored_mode(b2, "notes.txt") == EncryptionMode.SSE_C
    assert storage.open("notes.txt").read() == b"dear diary"


@pytest.mark.parametrize("shape", ["seekable stream", "file on disk", "non-seekable stream"])
def test_multi_part_round_trip_on_every_upload_path(
    small_parts_b2: SimulatedB2, big_content: bytes, shape: str, tmp_path: Any
) -> None:
    storage = sse_c_storage()
    content: Any
    if shape == "seekable stream":
        content = ContentFile(big_content)
    elif shape == "file on disk":
        content = TemporaryUploadedFile("big.bin", "application/octet-stream", BIG, None)
        content.write(big_content)
        content.seek(0)
    else:
        content = File(NonSeekable(big_content))  # type: ignore[arg-type]
    storage.save("big.bin", content)
    assert small_parts_b2.calls["b2_upload_part"] >= 2  # it really went up in parts
    assert stored_mode(small_parts_b2, "big.bin") == EncryptionMode.SSE_C
    with storage.open("big.bin") as file:
        assert read_all(file) == big_content
        file.seek(10_500_000)  # a range read in the last part
        assert file.read(100) == big_content[10_500_000:10_500_100]
        file.seek(17)
        assert file.read(5) == big_content[17:22]


def test_download_and_range_download(b2: SimulatedB2) -> None:
    storage = sse_c_storage()
    storage.save("a.bin", ContentFile(b"0123456789"))
    downloaded = storage.download("a.bin")
    assert downloaded.response.raw.read(100) == b"0123456789"
    downloaded.response.close()
    ranged = storage.download("a.bin", (2, 4))
    assert ranged.response.raw.read(100) == b"234"
    ranged.response.close()


def test_copy_keeps_it_encrypted_and_readable(b2: SimulatedB2) -> None:
    storage = sse_c_storage()
    storage.save("a.txt", ContentFile(b"copy me", name="a.txt"))
    assert storage.copy("a.txt", "b/a-copy.txt") == "b/a-copy.txt"
    assert stored_mode(b2, "b/a-copy.txt") == EncryptionMode.SSE_C
    assert storage.open("b/a-copy.txt").read() == b"copy me"
    assert storage.get_file_metadata("b/a-copy.txt").content_type == "text/plain"
    assert b2.calls["b2_copy_file"] == 1
    assert b2.calls["b2_download_file_by_name"] == 1  # the copy itself moved no bytes through us


def test_a_base64_key_from_the_environment_reads_what_the_bytes_key_wrote(b2: SimulatedB2) -> None:
    sse_c_storage().save("a.txt", ContentFile(b"same key"))
    from_env = BackblazeB2Storage(
        bucket="vault-bucket", server_side_encryption={"mode": "sse-c", "key_id": "key-2024", "key": KEY_B64}
    )
    assert from_env.open("a.txt").read() == b"same key"


# -- wrong or missing key: a clear error, nothing lost ---------------------------------------------


def wrong_key_storage() -> BackblazeB2Storage:
    return BackblazeB2Storage(
        bucket="vault-bucket", server_side_encryption={"mode": "SSE-C", "key_id": "key-2023", "key": OTHER_KEY}
    )


@pytest.mark.parametrize("reader", ["open", "range", "download", "copy"])
@pytest.mark.parametrize("who", ["wrong key", "no key", "SSE-B2 storage"])
def test_reading_without_the_right_key_says_what_to_do(b2: SimulatedB2, reader: str, who: str) -> None:
    sse_c_storage().save("a.txt", ContentFile(b"precious"))
    if who == "wrong key":
        storage = wrong_key_storage()
    elif who == "no key":
        storage = BackblazeB2Storage(bucket="vault-bucket")
    else:
        storage = BackblazeB2Storage(bucket="vault-bucket", server_side_encryption={"mode": "SSE-B2"})
    with pytest.raises(EncryptionKeyError) as raised:
        if reader == "open":
            storage.open("a.txt").read()
        elif reader == "range":
            file = storage.open("a.txt")
            file.seek(3)
            file.read(2)
        elif reader == "download":
            storage.download("a.txt")
        else:
            storage.copy("a.txt", "b.txt")
    message = str(raised.value)
    assert "'a.txt'" in message and "SSE-C" in message
    assert "server_side_encryption" in message  # says which setting to fix
    if who == "wrong key":
        assert "'key-2023'" in message
    for secret in (KEY, OTHER_KEY):
        assert base64.b64encode(secret).decode() not in message
        assert secret.hex() not in message
    # Nothing was lost or left behind.
    assert sse_c_storage().open("a.txt").read() == b"precious"
    assert b2.file_names("vault-bucket") == ["a.txt"]


def test_the_error_is_not_mistaken_for_a_missing_file_or_an_outage() -> None:
    assert not issubclass(EncryptionKeyError, OSError)
    assert issubclass(EncryptionKeyError, ImproperlyConfigured)


# -- SSE-B2 ----------------------------------------------------------------------------------------


def test_sse_b2_round_trip(small_parts_b2: SimulatedB2, big_content: bytes) -> None:
    storage = BackblazeB2Storage(bucket="vault-bucket", server_side_encryption={"mode": "SSE-B2"})
    storage.save("small.txt", ContentFile(b"hi"))
    storage.save("big.bin", ContentFile(big_content))
    for key in ("small.txt", "big.bin"):
        assert stored_mode(small_parts_b2, key) == EncryptionMode.SSE_B2
    assert storage.open("small.txt").read() == b"hi"
    storage.copy("small.txt", "copy.txt")
    assert stored_mode(small_parts_b2, "copy.txt") == EncryptionMode.SSE_B2
    # SSE-B2 files need nothing to be read: any storage on the bucket can.
    assert BackblazeB2Storage(bucket="vault-bucket").open("copy.txt").read() == b"hi"


def test_expiring_links_work_with_sse_b2(b2: SimulatedB2) -> None:
    storage = BackblazeB2Storage(bucket="vault-bucket", server_side_encryption={"mode": "SSE-B2"}, url_expiry=60)
    assert "Authorization=" in storage.url("a.txt")


# -- start-up refusals -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "match"),
    [
        ("SSE-C", "must be a dict"),
        ({"mode": "AES"}, "needs 'mode'"),
        ({}, "needs 'mode'"),
        ({"mode": "SSE-C"}, "needs 'key'"),
        ({"mode": "SSE-C", "key": ""}, "needs 'key'"),
        ({"mode": "SSE-C", "key": KEY[:16]}, "exactly 32 bytes"),
        ({"mode": "SSE-C", "key": KEY + b"!"}, "exactly 32 bytes"),
        ({"mode": "SSE-C", "key": base64.b64encode(KEY[:31]).decode()}, "exactly 32 bytes"),
        ({"mode": "SSE-C", "key": KEY_B64[:-2] + "!!"}, "not valid base64"),
        ({"mode": "SSE-C", "key": 12345}, "bytes or a base64 string"),
        ({"mode": "SSE-C", "key": KEY, "key_id": 7}, "'key_id' must be"),
        ({"mode": "SSE-C", "key": KEY, "secret": "x"}, "unknown key"),
        ({"mode": "SSE-B2", "key": KEY}, "remove 'key'"),
    ],
)
def test_bad_encryption_settings_fail_at_start_up_without_echoing_the_key(option: Any, match: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=match) as raised:
        BackblazeB2Storage(server_side_encryption=option)
    message = str(raised.value)
    assert KEY_B64[:20] not in message and KEY.hex()[:20] not in message and repr(KEY)[:20] not in message


@pytest.mark.parametrize("option", ["url_expiry", "proxy_redirect_expiry"])
def test_links_with_a_customer_key_fail_at_start_up(option: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="cannot be reached through links"):
        BackblazeB2Storage(server_side_encryption=SSE_C, **{option: 60})  # type: ignore[arg-type]


def test_a_per_call_link_with_a_customer_key_is_refused(b2: SimulatedB2) -> None:
    with pytest.raises(ImproperlyConfigured, match="cannot be reached through links"):
        sse_c_storage().url("a.txt", expire=60)
    assert b2.calls["b2_get_download_authorization"] == 0


def test_a_link_setting_from_settings_and_a_customer_key_from_kwargs_collide(settings: Any) -> None:
    settings.BACKBLAZE_CONFIG = {**settings.BACKBLAZE_CONFIG, "proxy_redirect_expiry": 30}
    with pytest.raises(ImproperlyConfigured, match="proxy_redirect_expiry"):
        LoggedInStorage(server_side_encryption=SSE_C)


# -- the key stays secret --------------------------------------------------------------------------


def secret_forms() -> list[str]:
    return [KEY_B64, KEY.hex(), repr(KEY)]


def test_the_key_is_not_in_repr_or_migrations_or_pickled_options_repr() -> None:
    storage = sse_c_storage()
    text = f"{storage!r} {storage.options!r} {storage.options.server_side_encryption!r}"
    assert "SSE-C" in text and "key-2024" in text
    for secret in secret_forms():
        assert secret not in text
    _path, _args, kwargs = storage.deconstruct()  # type: ignore[attr-defined]
    assert "server_side_encryption" not in kwargs
    assert kwargs["bucket"] == "vault-bucket"
    opts = BackblazeB2Storage(opts={"bucket": "vault-bucket", "server_side_encryption": SSE_C})
    assert "server_side_encryption" not in opts.deconstruct()[2]["opts"]  # type: ignore[attr-defined]
    # A pickled storage (Django pickles storages) still works: the key travels, but only in the pickle.
    assert pickle.loads(pickle.dumps(storage)).options.server_side_encryption.key == KEY


def test_the_key_never_reaches_logs_or_caches(b2: SimulatedB2, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    storage = sse_c_storage()
    storage.save("a.txt", ContentFile(b"x" * 100))
    storage.open("a.txt").read()
    storage.size("a.txt")
    with pytest.raises(EncryptionKeyError):
        wrong_key_storage().open("a.txt").read()
    assert caplog.records  # b2sdk does log its calls at DEBUG
    logged = "\n".join(f"{record.getMessage()} {record.args!r}" for record in caplog.records)
    for secret in secret_forms():
        assert secret not in logged
    cache = caches["django-backblaze-b2"]
    cached = repr([(key, cache.get(key)) for key in cache._cache])  # type: ignore[attr-defined]
    assert cached != "[]"
    for secret in secret_forms():
        assert secret not in cached


@pytest.mark.parametrize("storage_class", [BackblazeB2Storage, LoggedInStorage])
def test_secrets_given_as_arguments_are_not_written_into_migrations(storage_class: Any) -> None:
    from django.db.migrations.writer import MigrationWriter

    if storage_class is BackblazeB2Storage:
        storage = storage_class(
            bucket="vault-bucket",
            application_key_id="KEY-ID-123",
            application_key="APP-KEY-456",
            server_side_encryption=SSE_C,
        )
    else:  # the proxied storages take credentials from settings only; the encryption key may be given
        storage = storage_class(server_side_encryption=SSE_C)
    serialized, _imports = MigrationWriter.serialize(storage)
    for secret in [*secret_forms(), "KEY-ID-123", "APP-KEY-456", "key-2024"]:
        assert secret not in serialized
    assert storage_class.__name__ in serialized
