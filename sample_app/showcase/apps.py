from django.apps import AppConfig


class ShowcaseConfig(AppConfig):
    name = "showcase"
    verbose_name = "django-backblaze-b2 showcase"
    default_auto_field = "django.db.models.BigAutoField"
