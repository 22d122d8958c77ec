"""Settings of the benchmark site; B2 from ``BENCH_B2_REALM``, ``BENCH_B2_KEY_ID``, ``BENCH_B2_KEY``."""

from __future__ import annotations

import os

#: The environment variables a server process of this site reads (BENCH_OFFLOAD: offload mode's location).
ENVIRONMENT = ("BENCH_B2_REALM", "BENCH_B2_KEY_ID", "BENCH_B2_KEY", "BENCH_B2_BUCKET", "BENCH_OFFLOAD")

SECRET_KEY = "benchmarks-only"  # noqa: S105 - not a secret
DEBUG = False
USE_TZ = True
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "benchmarks.site.urls"
INSTALLED_APPS = ["django.contrib.auth", "django.contrib.contenttypes", "django_backblaze_b2"]
# What most sites have in front of every view; both the proxied and the plain view go through it.
MIDDLEWARE = ["django.middleware.security.SecurityMiddleware", "django.middleware.common.CommonMiddleware"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "default"},
    "django-backblaze-b2": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "b2"},
}
LOGGING_CONFIG = None
BACKBLAZE_CONFIG = {
    "realm": os.environ.get("BENCH_B2_REALM", "http://127.0.0.1:1"),
    "application_key_id": os.environ.get("BENCH_B2_KEY_ID", "unset"),
    "application_key": os.environ.get("BENCH_B2_KEY", "unset"),
    "bucket": os.environ.get("BENCH_B2_BUCKET", "bench"),
}
if os.environ.get("BENCH_OFFLOAD"):
    BACKBLAZE_CONFIG["proxy_offload"] = os.environ["BENCH_OFFLOAD"]
