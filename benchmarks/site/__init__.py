"""A small Django site for the concurrency benchmarks: the proxy routes and a plain view, nothing else.

``DJANGO_SETTINGS_MODULE=benchmarks.site.settings``; gunicorn serves ``benchmarks.site.wsgi:application``
and uvicorn ``benchmarks.site.asgi:application``. The local B2 server's realm and key come from the
environment (:data:`settings.ENVIRONMENT`), so each server process reaches the same B2.
"""
