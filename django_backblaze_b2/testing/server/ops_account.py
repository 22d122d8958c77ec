"""The account: ``b2_authorize_account``, application keys, download authorizations."""

from __future__ import annotations

import base64
import binascii
import time
from typing import Any

from . import shapes
from .auth import new_token
from .errors import B2ApiError, bad_request
from .operations import Account, Answer, Call, operation
from .rules import MAX_DOWNLOAD_AUTHORIZATION_SECONDS, require


def _basic_credentials(header: str | None) -> tuple[str, str]:
    if not header or not header.startswith("Basic "):
        raise B2ApiError(401, "bad_auth_token", "Basic authorization with the application key is required")
    try:
        key_id, _, key = base64.b64decode(header[6:]).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise B2ApiError(401, "bad_auth_token", "Malformed Basic authorization") from exc
    return key_id, key


def authorize_account(backend: Account, authorization: str | None, version: str) -> Answer:
    """``b2_authorize_account``: the only call authorized by the key itself (HTTP Basic)."""
    key_id, secret = _basic_credentials(authorization)
    sim = backend.simulator
    key = sim.key_id_to_key.get(key_id)
    if key is None or key.key != secret:
        raise B2ApiError(401, "bad_auth_token", "The applicationKeyId and/or the applicationKey are wrong")
    expiration = key.expiration_timestamp_or_none
    if expiration is not None and expiration < time.time():
        raise B2ApiError(401, "bad_auth_token", "The application key has expired")
    # B2's tokens are opaque and never reused (the simulator's count up from "auth_token_0").
    token = new_token("acct")
    sim.auth_token_to_key[token] = key
    backend.tokens.add_account_token(token)
    bucket = sim.bucket_id_to_bucket.get(key.bucket_id_or_none)
    return shapes.authorization(
        version,
        token=token,
        key=key,
        realm=backend.realm,
        part_size=sim.recommended_part_size,
        minimum=sim.MIN_PART_SIZE,
        bucket_name=bucket.bucket_name if bucket is not None else key.bucket_name_or_none,
    )


@operation("b2_create_key", mutates=True)
def create_key(call: Call) -> Answer:
    require(call.key, "writeKeys")
    params = call.params
    bucket_id = shapes.key_bucket_id(params, call.version)
    if bucket_id is not None:
        call.bucket(bucket_id)
    capabilities = params.get("capabilities")
    if not isinstance(capabilities, list) or not capabilities:
        raise bad_request("capabilities must be a non-empty list")
    seconds = params.get("validDurationInSeconds")
    answer: Answer = call.sim.create_key(
        call.realm,
        call.token,
        call.key.account_id,
        list(capabilities),
        str(params.get("keyName", "")),
        int(seconds) if seconds is not None else None,
        bucket_id,
        params.get("namePrefix"),
    )
    return shapes.key(answer, call.version)


@operation("b2_list_keys", mutates=False)
def list_keys(call: Call) -> Answer:
    require(call.key, "listKeys")
    answer: Answer = call.sim.list_keys(
        call.realm,
        call.token,
        call.key.account_id,
        max_key_count=int(call.params.get("maxKeyCount") or 100),
        start_application_key_id=call.params.get("startApplicationKeyId"),
    )
    answer["keys"] = [shapes.key(k, call.version) for k in answer["keys"]]
    return answer


@operation("b2_delete_key", mutates=True)
def delete_key(call: Call) -> Answer:
    require(call.key, "deleteKeys")
    key_id = call.params.get("applicationKeyId")
    target = call.sim.key_id_to_key.get(key_id)
    if target is None:
        raise bad_request(f"Application key does not exist: {key_id}")
    if target.name == "master":
        raise bad_request("The master application key cannot be deleted")
    return shapes.key(call.sim.delete_key(call.realm, call.token, key_id), call.version)


@operation("b2_get_download_authorization", mutates=True)
def get_download_authorization(call: Call) -> Answer:
    bucket = call.bucket()
    prefix = call.params.get("fileNamePrefix")
    if prefix is None:
        raise bad_request("fileNamePrefix is required")
    seconds: Any = call.params.get("validDurationInSeconds")
    try:
        seconds = int(seconds)
    except (TypeError, ValueError):
        seconds = 0
    if not 1 <= seconds <= MAX_DOWNLOAD_AUTHORIZATION_SECONDS:
        raise bad_request(f"validDurationInSeconds must be 1 to {MAX_DOWNLOAD_AUTHORIZATION_SECONDS}")
    require(call.key, "shareFiles", bucket.bucket_id, str(prefix))
    authorization = call.backend.tokens.add_download_authorization(bucket.bucket_id, str(prefix), seconds)
    return {"bucketId": bucket.bucket_id, "fileNamePrefix": prefix, "authorizationToken": authorization.token}
