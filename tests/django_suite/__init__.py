"""Django's own ``tests/file_storage`` suite, run against ``BackblazeB2Storage``.

The tests come from the sdist of the installed Django (fetched from PyPI once and cached under
``.cache/``, which git ignores); nothing of Django's is copied into this project. This package is
also the Django app (``tests.django_suite``) that Django's ``file_storage/models.py`` is loaded into.
"""
