"""No models of its own: Django's ``file_storage/models.py`` is loaded into this app by ``test_file_storage.py``."""
