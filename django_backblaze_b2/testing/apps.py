from django.apps import AppConfig


class SimulatedB2Config(AppConfig):
    """``"django_backblaze_b2.testing"`` in ``INSTALLED_APPS`` makes ``simulator: True`` work outside
    the pytest plugin (the sample app, a development server): importing the package registers it."""

    name = "django_backblaze_b2.testing"
    label = "django_backblaze_b2_testing"
    verbose_name = "Simulated B2"
