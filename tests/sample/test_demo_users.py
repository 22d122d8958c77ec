from __future__ import annotations

import io

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.core.management import call_command

from showcase.demo import DEMO_USERS

pytestmark = pytest.mark.django_db


def test_demo_users_can_log_in_with_the_passwords_shown_and_only_staff_is_staff() -> None:
    call_command("demo_users", stdout=io.StringIO())
    for demo in DEMO_USERS:
        user = authenticate(username=demo.username, password=demo.password)
        assert user is not None
        assert user.is_staff is demo.is_staff


def test_demo_users_is_safe_to_run_again_and_repairs_a_changed_password(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("demo_users")
    alice = User.objects.get(username="alice")
    alice.set_password("something else")
    alice.save()
    call_command("demo_users")
    assert User.objects.filter(username__in=[d.username for d in DEMO_USERS]).count() == len(DEMO_USERS)
    assert authenticate(username="alice", password=DEMO_USERS[0].password) is not None
    assert "alice" in capsys.readouterr().out


def test_on_the_simulated_b2_demo_users_forgets_files_of_an_earlier_run(settings: object) -> None:
    from django.core.files.base import ContentFile

    from django_backblaze_b2.testing import simulated_b2
    from showcase.models import PublicFile

    call_command("demo_users", stdout=io.StringIO())
    with simulated_b2():
        PublicFile.objects.create(uploaded_by=User.objects.get(username="bob"), file=ContentFile(b"x", name="x.txt"))
    out = io.StringIO()
    call_command("demo_users", stdout=out)
    assert not PublicFile.objects.exists()
    assert "removed 1 record(s)" in out.getvalue()
