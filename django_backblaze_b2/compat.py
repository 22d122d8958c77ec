"""Public names of django-backblaze-b2 7.0.0 that moved or lost their use.

They keep working through the 8.x series, each with a ``DeprecationWarning`` saying what to use
instead, and go in 9.0. (``BackblazeB2Storage.b2_api`` is a property of the storage itself.)
"""

from __future__ import annotations

import warnings
from typing import Any

from . import files


class B2FileInformationNotAvailableException(Exception):  # noqa: N818 - 7.0.0's name
    """7.0.0 raised it from the time getters when B2 gave no upload time. Nothing raises it any more:
    B2 always gives one, and a missing file raises ``FileNotFoundError``."""


#: (module, name) -> (the object, what to use instead)
DEPRECATED: dict[tuple[str, str], tuple[Any, str]] = {
    ("django_backblaze_b2.b2_file", "B2File"): (
        files.B2File,
        "import B2File from django_backblaze_b2.files (get one from storage.open(); its constructor changed)",
    ),
    ("django_backblaze_b2.storage", "B2FileInformationNotAvailableException"): (
        B2FileInformationNotAvailableException,
        "nothing raises it any more; catch FileNotFoundError for a missing file",
    ),
}


def deprecated_name(module: str, name: str) -> Any:
    """The object a module's ``__getattr__`` hands out for a deprecated name, with the warning."""
    try:
        value, instead = DEPRECATED[(module, name)]
    except KeyError:
        raise AttributeError(f"module {module!r} has no attribute {name!r}") from None
    warnings.warn(
        f"{module}.{name} is deprecated and will be removed in django-backblaze-b2 9.0: {instead}.",
        DeprecationWarning,
        stacklevel=3,  # the code importing the name
    )
    return value
