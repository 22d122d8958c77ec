"""Django storage backend for Backblaze B2."""

__version__ = "8.0.0.dev0"
