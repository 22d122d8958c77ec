"""Settings for the test suite: every storage runs on the in-process simulated B2."""

from __future__ import annotations

import os

import django

SECRET_KEY = "tests-only-not-secret"
DEBUG = False
USE_TZ = True
TIME_ZONE = "UTC"
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "tests.urls"
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Above django.contrib.staticfiles, so that its collectstatic (one B2 listing per run) is the one run.
    "django_backblaze_b2",
    "django.contrib.staticfiles",
    "tests.testapp",
    "tests.contract_app",
    "tests.mediaapp",
    "tests.django_suite",  # Django's own tests/file_storage models are loaded into it
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.request",
            ]
        },
    }
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "default"},
    "django-backblaze-b2": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "b2"},
}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
STATIC_URL = "/static/"
LOGIN_URL = "/accounts/login/"

BACKBLAZE_CONFIG = {
    "simulator": True,
    "bucket": "django",
    "application_key_id": os.environ.get("B2_TEST_APPLICATION_KEY_ID", "simulated-key-id"),
    "application_key": os.environ.get("B2_TEST_APPLICATION_KEY", "simulated-key"),
    # One bucket per proxy route, as the sample app does: with one shared bucket the anonymous /b2/ route
    # would reach LoggedInStorage's and StaffStorage's files (system check django_backblaze_b2.E001).
    "specific_bucket_names": {"public": "django-public", "logged_in": "django-members", "staff": "django-staff"},
}

# The sample app (sample_app/, on pytest's pythonpath) has its fast tests in tests/sample/.
INSTALLED_APPS += ["django.contrib.admin", "django_tasks", "showcase"]

if django.VERSION < (5, 0):
    # Django 4.2 warns (an error here) when a form renders with its "default.html" template, which 5.0
    # removes: render as 5.0 does.
    FORM_RENDERER = "django.forms.renderers.DjangoDivFormRenderer"
