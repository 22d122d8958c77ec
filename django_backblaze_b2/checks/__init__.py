"""Registers the library's system checks with Django.

Imported by the package's ``__init__`` (so by any import of this library), so the checks run wherever
a storage of this library is used, even when ``"django_backblaze_b2"`` is missing from
``INSTALLED_APPS``. Registering twice is harmless: Django keeps a set of check functions.

The functions registered here only hand over to the check modules, which are imported when the
checks run: they import storages and Django's URLconf, which must not be imported with the package.
"""

from __future__ import annotations

from typing import Any

from django.core import checks

#: ``manage.py check --tag b2``: this library's checks (with ``--deploy``, also those that ask B2).
DEPLOY_TAG = "b2"


# Each is also tagged DEPLOY_TAG, so `check --deploy --tag b2` shows every mistake of this library.
@checks.register(DEPLOY_TAG)
def settings_are_valid(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from . import configuration as offline

    return [
        *offline.check_settings(app_configs),
        *offline.check_storage_options(app_configs),
        *offline.check_download_permission(app_configs),
        *offline.check_routes_reachable(app_configs),
    ]


@checks.register(DEPLOY_TAG)
def offload_needs_nginx(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from .offload import check_offload

    return check_offload(app_configs)


@checks.register(checks.Tags.security, DEPLOY_TAG)
def routes_are_separate(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from . import configuration as offline

    return offline.check_route_separation(app_configs)


@checks.register(checks.Tags.caches, DEPLOY_TAG)
def account_info_cache(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from .account_info import check_account_info_cache

    return check_account_info_cache(app_configs)


@checks.register(DEPLOY_TAG, deploy=True)
def buckets_match_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from .buckets import check_buckets

    return check_buckets(app_configs)


@checks.register(checks.Tags.staticfiles, DEPLOY_TAG)
def collectstatic_is_this_librarys(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from .staticfiles import check_collectstatic_command

    return check_collectstatic_command(app_configs)


@checks.register(DEPLOY_TAG)
def direct_upload_fields(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from ..direct_uploads.checks import check_direct_upload_fields

    return check_direct_upload_fields(app_configs)


@checks.register(DEPLOY_TAG, deploy=True)
def direct_upload_buckets(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from ..direct_uploads.checks import check_direct_upload_buckets

    return check_direct_upload_buckets(app_configs)
