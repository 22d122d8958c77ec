"""Old names of :mod:`django_backblaze_b2.client` (``B2Connection`` is now ``AccountClient``)."""

from .client import AccountClient as B2Connection
from .client import MissingBucketError
from .client import client_for as connection_for
from .client import forget_clients as forget_connections

__all__ = ["B2Connection", "MissingBucketError", "connection_for", "forget_connections"]
