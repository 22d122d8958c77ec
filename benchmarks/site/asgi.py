"""``uvicorn benchmarks.site.asgi:application``: the library's ASGI application (messages of 1 MiB);
``benchmarks.site.asgi:django_application`` is Django's own (64 KiB)."""

import os

from django.core.asgi import get_asgi_application as django_asgi_application

from django_backblaze_b2.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.site.settings")
application = get_asgi_application()
django_application = django_asgi_application()
