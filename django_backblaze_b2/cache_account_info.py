"""7.0.0's import path of the Django-cache account info; it lives in :mod:`django_backblaze_b2.account`."""

from .account.django_cache import DjangoCacheAccountInfo

__all__ = ["DjangoCacheAccountInfo"]
