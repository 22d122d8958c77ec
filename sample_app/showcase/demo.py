"""The demo users, and preparing the demo database for a new run."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    is_staff: bool
    role: str


# A local demo: the passwords are shown on the home page on purpose.
DEMO_USERS = (
    DemoUser("alice", "alice-demo-password", is_staff=False, role="regular user"),
    DemoUser("bob", "bob-demo-password", is_staff=False, role="regular user"),
    DemoUser("staff", "staff-demo-password", is_staff=True, role="staff user"),
)


def ensure_demo_users() -> list[str]:
    """Create the demo users, or reset their password and role; returns the names created.

    The staff user may manage the sample's models in /admin/ (staff status alone shows an admin with
    nothing in it)."""
    user_model = get_user_model()
    sample_permissions = list(Permission.objects.filter(content_type__app_label="showcase"))
    created_names = []
    for demo in DEMO_USERS:
        user, created = user_model.objects.get_or_create(username=demo.username)
        user.set_password(demo.password)
        user.is_staff = demo.is_staff
        user.is_active = True
        user.save()
        user.user_permissions.set(sample_permissions if demo.is_staff else [])
        if created:
            created_names.append(demo.username)
    return created_names


def forget_files_of_earlier_runs() -> int:
    """On the simulated B2, which starts empty with each process, drop the rows of files it no
    longer has, so the pages list no dead links. Returns how many rows went."""
    from django.conf import settings

    from .models import DataExport
    from .shelves import SHELVES

    if not settings.BACKBLAZE_CONFIG.get("simulator"):
        return 0
    removed = 0
    for model in [*(shelf.model for shelf in SHELVES), DataExport]:
        count, _ = model.objects.all().delete()  # type: ignore[attr-defined]
        removed += count
    return removed
