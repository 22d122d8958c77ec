"""This library, configured as a user would: ``BACKBLAZE_CONFIG`` and its storage classes."""

from __future__ import annotations

import inspect
from contextlib import ExitStack
from typing import Any

from ..endpoints import B2Endpoint, simulated_endpoint
from . import DjangoStorageContender, NotApplicable


class Library(DjangoStorageContender):
    name = "library"

    @classmethod
    def simulated_endpoint(cls, stack: ExitStack) -> B2Endpoint:
        from django_backblaze_b2.testing import simulated_b2

        # The storages' "simulator" option must find this very simulator.
        return simulated_endpoint(stack.enter_context(simulated_b2()))

    def backblaze_config(self) -> dict[str, Any]:
        # Everything else at its default, as most users run it (account info in the Django cache).
        config: dict[str, Any] = {"bucket": self.endpoint.bucket}
        if self.endpoint.raw is not None:
            return {**config, "simulator": True}
        return {
            **config,
            "realm": self.endpoint.realm,
            "application_key_id": self.endpoint.key_id,
            "application_key": self.endpoint.key,
        }

    def start(self) -> None:
        import django_backblaze_b2

        self.use(django_backblaze_b2)

    def expiring_links(self, names: list[str], seconds: int) -> list[str]:
        url = self.storage.url
        if "expire" not in inspect.signature(url).parameters:
            raise NotApplicable("no expiring links yet (url() takes no 'expire')")
        return [str(url(name, expire=seconds)) for name in names]
