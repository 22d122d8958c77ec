"""Keeping B2 secrets off Django's error reports: the technical 500 page shown with ``DEBUG = True``
and the HTML that ``AdminEmailHandler(include_html=True)`` mails.

Those reports list every local variable of every frame, and b2sdk's frames hold the application key
(``application_key``), the ``Authorization`` header and the SSE-C key. Django hides only variables
marked with ``@sensitive_variables``, and only when ``DEBUG`` is off. Turn this filter on::

    DEFAULT_EXCEPTION_REPORTER_FILTER = "django_backblaze_b2.debug.B2ExceptionReporterFilter"

It hides, whatever ``DEBUG`` says, every frame variable whose name looks secret (Django's own
``hidden_settings`` pattern: KEY, TOKEN, AUTH, SECRET, PASS...), every dict entry with such a name
(``headers["Authorization"]``), and every value whose ``repr`` contains a key this process uses.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import FrameType
from typing import Any

from django.http import HttpRequest
from django.views.debug import SafeExceptionReporterFilter

from .redaction import contains_secret


class B2ExceptionReporterFilter(SafeExceptionReporterFilter):
    """Django's ``SafeExceptionReporterFilter``, plus B2's secrets in every frame, even with DEBUG on."""

    def get_traceback_frame_variables(self, request: HttpRequest | None, tb_frame: FrameType) -> Any:
        variables = super().get_traceback_frame_variables(request, tb_frame)
        return [(name, self.cleanse_variable(name, value)) for name, value in variables]

    def cleanse_variable(self, name: str, value: Any) -> Any:
        if self.hidden_settings.search(name):
            return self.cleansed_substitute
        try:
            if isinstance(value, Mapping) and not isinstance(value, dict):
                value = dict(value)  # requests' CaseInsensitiveDict of headers, say
            if isinstance(value, (dict, list, tuple)):
                value = self.cleanse_setting(name, value)
            shown = repr(value)
        except Exception:  # a value that cannot be walked or shown (RecursionError, a broken repr)
            return self.cleansed_substitute  # what cannot be checked is not shown
        return self.cleansed_substitute if contains_secret(shown) else value
