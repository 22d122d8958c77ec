"""7.0.0's import path of the proxy views: they live in :mod:`.proxy.views`."""

from .proxy.views import (
    DownloadView,
    LoggedInDownloadView,
    PublicDownloadView,
    StaffDownloadView,
    download_logged_in_file,
    download_public_file,
    download_staff_file,
)

__all__ = [
    "DownloadView",
    "LoggedInDownloadView",
    "PublicDownloadView",
    "StaffDownloadView",
    "download_logged_in_file",
    "download_public_file",
    "download_staff_file",
]
