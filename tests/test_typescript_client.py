"""A TypeScript client generated from openapi/openapi.json (openapi-typescript, driven through
openapi-fetch) type-checks under `tsc --strict` and drives the register over HTTP.

tests/typescript/flows.ts is what an integrator writes: it pages by the `cursor` field, takes
CSV from its own operation, and holds lines that must not compile if the description were
looser than the server (hours, provider kinds, alert counts).
"""

import os
import shutil
import subprocess
from pathlib import Path

from tests.builders import make_upn, week
from tests.conftest import ADMIN_ID, ADMIN_SECRET

ROOT = Path(__file__).resolve().parent.parent
PROGRAM = ROOT / "tests" / "typescript"
TOOLS = ROOT / "node_modules" / ".bin"


def run(*command: str | Path, **environment: str) -> str:
    """Run a step of the program's build in its folder, insisting it succeeds."""
    done = subprocess.run(  # noqa: S603 - our own tools on our own files
        [str(part) for part in command],
        cwd=PROGRAM,
        capture_output=True,
        text=True,
        env={**os.environ, **environment},
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_a_generated_typescript_client_type_checks_and_drives_the_register(
    live_url: str,
) -> None:
    shutil.rmtree(PROGRAM / "build", ignore_errors=True)
    # Generated in the program's folder: openapi-typescript would apply the repository's
    # Redocly lint settings, which are for `make lint`, if run from the root.
    run(TOOLS / "openapi-typescript", ROOT / "openapi" / "openapi.json", "-o", "register.d.ts")
    run(TOOLS / "tsc", "-p", ".")
    output = run(
        shutil.which("node") or "node",
        "build/flows.js",
        REGISTER_URL=live_url,
        ADMIN_ID=ADMIN_ID,
        ADMIN_SECRET=ADMIN_SECRET,
        UPNS=",".join(make_upn(serial) for serial in range(40, 45)),
        WEEKS=",".join(week(n).isoformat() for n in range(3)),
    )
    assert "every flow passed" in output
