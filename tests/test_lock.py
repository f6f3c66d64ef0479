"""The image installs requirements.lock only: it must pin every dependency the service has."""

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent


def test_the_lock_pins_every_runtime_dependency() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {canonicalize_name(Requirement(spec).name) for spec in project["dependencies"]}
    lock = (ROOT / "requirements.lock").read_text()
    pinned = {canonicalize_name(name) for name in re.findall(r"^([\w.-]+)==", lock, re.M)}
    assert wanted <= pinned, f"run `make lock`: {sorted(wanted - pinned)} not pinned"
