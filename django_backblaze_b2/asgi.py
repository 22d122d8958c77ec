"""``get_asgi_application()`` for a site serving big files under ASGI: Django's, in messages of 1 MiB.

Django's ASGI handler cuts every response body into messages of 64 KiB, and each message costs the
server a write and a wake-up of its event loop: streaming from B2 at loopback speed, that is most of
an ASGI worker's CPU. Messages of 1 MiB cost about a third less per MiB (see ``docs/benchmarks.md``).
Only the size of the messages changes; use it in ``asgi.py`` instead of Django's::

    from django_backblaze_b2.asgi import get_asgi_application

    application = get_asgi_application()
"""

from __future__ import annotations

import django
from django.core.handlers.asgi import ASGIHandler as DjangoASGIHandler

MESSAGE_SIZE = 1024 * 1024


class ASGIHandler(DjangoASGIHandler):
    """Django's ASGI handler, sending bodies in messages of up to :data:`MESSAGE_SIZE` bytes."""

    chunk_size = MESSAGE_SIZE


def get_asgi_application() -> ASGIHandler:
    """As ``django.core.asgi.get_asgi_application``, with :class:`ASGIHandler`."""
    django.setup(set_prefix=False)
    return ASGIHandler()
