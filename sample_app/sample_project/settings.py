"""Settings of the sample app: django-backblaze-b2 storages on the simulated B2 or a real one.

Which B2 is chosen by environment variables: see ``b2_environment.py`` and docs/sample-app.md.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from .b2_environment import from_environment

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SAMPLE_VAR_DIR", BASE_DIR / "var"))

# A local demo: the key below is public on purpose. Set DJANGO_SECRET_KEY anywhere else.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "sample-app-demo-only-not-secret")
DEBUG = os.environ.get("DJANGO_DEBUG", "1") == "1"
ALLOWED_HOSTS = [
    "127.0.0.1",
    "localhost",
    "[::1]",
    *filter(None, os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",")),
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Above django.contrib.staticfiles: its collectstatic answers from one B2 listing per 1000 files.
    "django_backblaze_b2",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks.backends.database",
    "showcase",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "sample_project.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
WSGI_APPLICATION = "sample_project.wsgi.application"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("SAMPLE_DATABASE_PATH", str(BASE_DIR / "db.sqlite3")),
        # Several gunicorn workers share the file: wait for a lock rather than fail at once.
        "OPTIONS": {"timeout": 20},
    }
}
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # The B2 authorization, shared by every worker process (no secret is stored in it).
    "django-backblaze-b2": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(VAR_DIR / "b2-account-info"),
    },
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"
STATIC_URL = "/static/"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
# Uploads above this go to a temporary file on disk, which the library uploads from disk in parts.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# Lowercase, so not a setting: Django's error pages list every setting and mask only dict entries
# whose names look secret (BACKBLAZE_CONFIG["application_key"]), not the fields of an object.
_b2 = from_environment(os.environ)
BACKBLAZE_CONFIG = _b2.backblaze_config
if _b2.simulated:
    INSTALLED_APPS.append("django_backblaze_b2.testing")  # the in-process simulated B2
# b2sdk's frames hold the application key and the SSE-C key: keep them off error pages and mails.
DEFAULT_EXCEPTION_REPORTER_FILTER = "django_backblaze_b2.debug.B2ExceptionReporterFilter"

# Tasks: run at once in the process that asks ("immediate", the default), or queued in the database
# and run by `python manage.py db_worker` ("database").
TASK_BACKENDS = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks.backends.database.DatabaseBackend",
}
SAMPLE_TASKS = os.environ.get("SAMPLE_TASKS", "immediate")
if SAMPLE_TASKS not in TASK_BACKENDS:
    raise ImproperlyConfigured(f"SAMPLE_TASKS must be one of {', '.join(TASK_BACKENDS)}, not {SAMPLE_TASKS!r}.")
TASKS = {"default": {"BACKEND": TASK_BACKENDS[SAMPLE_TASKS]}}

SAMPLE_EXPORTS_BUCKET = _b2.exports_bucket
SAMPLE_EXPORT_LIFETIME = timedelta(days=7)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "django_backblaze_b2": {"handlers": ["console"], "level": "INFO"},
        "showcase": {"handlers": ["console"], "level": "INFO"},
    },
}
