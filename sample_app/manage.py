#!/usr/bin/env python
"""The sample app's command line: ``python manage.py runserver`` and friends (see docs/sample-app.md)."""

import os
import sys
from pathlib import Path

if __name__ == "__main__":
    # Run from a clone without installing the library: the repository root holds django_backblaze_b2.
    sys.path.insert(1, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sample_project.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
