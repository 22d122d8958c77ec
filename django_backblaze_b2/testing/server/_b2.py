"""The b2sdk names the server needs, from b2sdk's public API level ``b2sdk.v2``.

b2sdk ships no type information and ``b2sdk.v2`` re-exports most of these with a star import that
type checkers cannot follow, so they are looked up at run time and typed ``Any``.
"""

from __future__ import annotations

import importlib
from typing import Any

_v2 = importlib.import_module("b2sdk.v2")

ALL_CAPABILITIES: list[str] = list(_v2.ALL_CAPABILITIES)
BucketRetentionSetting: Any = _v2.BucketRetentionSetting
EncryptionAlgorithm: Any = _v2.EncryptionAlgorithm
EncryptionKey: Any = _v2.EncryptionKey
EncryptionMode: Any = _v2.EncryptionMode
EncryptionSetting: Any = _v2.EncryptionSetting
FileRetentionSetting: Any = _v2.FileRetentionSetting
FileSimulator: Any = _v2.FileSimulator
KeySimulator: Any = _v2.KeySimulator
LegalHold: Any = _v2.LegalHold
MetadataDirectiveMode: Any = _v2.MetadataDirectiveMode
PartSimulator: Any = _v2.PartSimulator
ReplicationConfiguration: Any = _v2.ReplicationConfiguration
ReplicationStatus: Any = _v2.ReplicationStatus
RetentionMode: Any = _v2.RetentionMode
RetentionPeriod: Any = _v2.RetentionPeriod
