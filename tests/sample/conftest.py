"""Fast tests of the sample app (sample_app/): Django's test client on the simulated B2."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from showcase.demo import DEMO_USERS, ensure_demo_users

pytestmark = pytest.mark.urls("sample_project.urls")


@pytest.fixture
def demo_users(db: None) -> dict[str, User]:
    ensure_demo_users()
    return {user.username: user for user in User.objects.filter(username__in=[d.username for d in DEMO_USERS])}


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def alice(demo_users: dict[str, User]) -> Client:
    return client_for(demo_users["alice"])


@pytest.fixture
def bob(demo_users: dict[str, User]) -> Client:
    return client_for(demo_users["bob"])


@pytest.fixture
def staff(demo_users: dict[str, User]) -> Client:
    return client_for(demo_users["staff"])


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    # The demo users' passwords are hashed in most tests: the default hasher is slow on purpose.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
