"""Start-up never prints a secret, and a missing or weak setting stops the service with one
line naming it, never a traceback."""

import os
import subprocess
import sys

import pytest

from app.config import Settings
from app.serve import banner

SECRET = "admin-secret-whose-tail-must-not-show-XYZ987"


def start(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("REGISTER_")}
    return subprocess.run(
        [sys.executable, "-m", "app.serve", "--port", "1"],
        env=clean | {"DATABASE_URL": "sqlite:///:memory:"} | env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("env", "named"),
    [
        # On 3da8359 a traceback ending in the settings, the admin secret's tail among them.
        ({"REGISTER_ENV": "sandbox"}, "REGISTER_JWT_SIGNING_KEY"),
        ({"REGISTER_ENV": "production", "REGISTER_JWT_SIGNING_KEY": "short"}, "REGISTER_JWT"),
        (
            {
                "REGISTER_ENV": "production",
                "REGISTER_JWT_SIGNING_KEY": "k" * 40,
                "REGISTER_ADMIN_CLIENT_SECRET": "weak",
            },
            "REGISTER_ADMIN_CLIENT_SECRET",
        ),
        ({"REGISTER_LA_CODE": "12"}, "REGISTER_LA_CODE"),
    ],
)
def test_a_missing_or_weak_setting_stops_with_one_line_naming_it(
    env: dict[str, str], named: str
) -> None:
    result = start(
        env | {"REGISTER_ADMIN_CLIENT_ID": "admin", "REGISTER_ADMIN_CLIENT_SECRET": SECRET} | env
    )
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert named in lines[0] and "Traceback" not in result.stderr
    assert "XYZ987" not in result.stderr + result.stdout


def test_the_development_banner_names_the_secret_without_printing_it() -> None:
    settings = Settings(
        environment="development", admin_client_id="admin", admin_client_secret=SECRET
    )
    shown = banner(settings, "http://127.0.0.1:8000")
    assert "client_id=admin" in shown and "REGISTER_ADMIN_CLIENT_SECRET" in shown
    assert SECRET not in shown and "XYZ987" not in shown
