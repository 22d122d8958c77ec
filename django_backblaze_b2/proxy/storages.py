"""The storages behind the proxy routes: each builds URLs to the route that serves its files.

``PublicStorage`` -> ``/b2/`` (anyone), ``LoggedInStorage`` -> ``/b2l/`` (logged-in users),
``StaffStorage`` -> ``/b2s/`` (staff). Building a URL reverses a route; it never calls B2, except
that ``PublicStorage`` learns once per process whether its bucket is public, and if so gives the
direct (or CDN) URL instead.

Where their files live (bucket, location, credentials) comes from settings only, because the
route's view must find the same files: ``BACKBLAZE_CONFIG["specific_bucket_names"]`` picks a bucket
per route. (``specific_bucket_names`` as a constructor argument is accepted, as 7.0.0 did: it picks
that instance's bucket, which the route serves only if ``BACKBLAZE_CONFIG`` names the same one.)
"""

from __future__ import annotations

import logging
from typing import Any

from b2sdk.v2.exception import B2Error
from django.core.exceptions import ImproperlyConfigured
from django.urls import NoReverseMatch, reverse
from django.utils.deconstruct import deconstructible

from ..options import PLACING_OPTIONS
from ..storage import BackblazeB2Storage
from .routes import NAMESPACE, ROUTE_TABLE

logger = logging.getLogger("django_backblaze_b2")


class _ProxiedStorage(BackblazeB2Storage):
    url_name: str = ""

    def _check_constructor_options(self, options: dict[str, Any]) -> None:
        refused = sorted(key for key in options if key in PLACING_OPTIONS)
        if refused:
            raise ImproperlyConfigured(
                f"{type(self).__name__} takes {', '.join(map(repr, refused))} from BACKBLAZE_CONFIG only, "
                "because its download route must find the same files: use "
                "BACKBLAZE_CONFIG['specific_bucket_names'] or ['specific_locations'] to give it a place of its own."
            )

    def _get_file_url(self, name: str) -> str:
        key_name = self._key_name(name)
        try:
            return reverse(f"{NAMESPACE}:{self.url_name}", args=[key_name])
        except NoReverseMatch:
            raise NoReverseMatch(
                f"{type(self).__name__}.url() needs the route {NAMESPACE}:{self.url_name}: add "
                "path('', include('django_backblaze_b2.urls')) to your project's urlpatterns "
                "(system check django_backblaze_b2.E051)."
            ) from None

    def _key_name(self, name: str) -> str:
        self.b2_file_name(name)  # validates the name
        return name


@deconstructible(path="django_backblaze_b2.storages.PublicStorage")
class PublicStorage(_ProxiedStorage):
    """Files anyone may download: the direct (or CDN) URL on a public bucket, else ``/b2/``."""

    route = "public"
    url_name = ROUTE_TABLE[route].url_name

    def _get_file_url(self, name: str) -> str:
        try:
            public = self._connection.bucket_type(self.options.bucket) == "allPublic"
        except B2Error as error:
            # /b2/ serves the file either way (and answers 502/503 itself while B2 is down): a page
            # linking to public files must not fail because B2 could not be asked.
            logger.warning(
                "django-backblaze-b2: PublicStorage could not learn whether bucket %r is public (%s); "
                "linking through /b2/.",
                self.options.bucket,
                type(error).__name__,
            )
            public = False
        if not public:
            return super()._get_file_url(name)
        return self.public_url(name)


@deconstructible(path="django_backblaze_b2.storages.LoggedInStorage")
class LoggedInStorage(_ProxiedStorage):
    """Files any logged-in, active user may download through ``/b2l/``."""

    route = "logged_in"
    url_name = ROUTE_TABLE[route].url_name


@deconstructible(path="django_backblaze_b2.storages.StaffStorage")
class StaffStorage(_ProxiedStorage):
    """Files only active staff users may download through ``/b2s/``."""

    route = "staff"
    url_name = ROUTE_TABLE[route].url_name
