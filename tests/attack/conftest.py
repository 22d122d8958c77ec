"""Attack tests share the proxy views' fixtures (fresh simulated B2, route caches reset)."""

from __future__ import annotations

from tests.conftest import small_parts_b2
from tests.views.conftest import admin_client, b2, put

__all__ = ["admin_client", "b2", "put", "small_parts_b2"]
