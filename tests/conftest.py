pytest_plugins = ["django_backblaze_b2.testing.pytest_plugin"]
