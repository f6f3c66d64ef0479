"""A real OpenID Connect provider (provider.mjs, the oidc-provider package) on loopback."""

import shutil
import socket
import subprocess
from pathlib import Path

import pytest

PROVIDER_SCRIPT = Path(__file__).resolve().parent / "provider.mjs"
NODE = shutil.which("node") or "node"
NODE_MODULES = Path(__file__).resolve().parents[2] / "node_modules" / "oidc-provider"
SECRET = "oidc-client-secret-for-tests"
needs_provider = pytest.mark.skipif(
    not (shutil.which("node") and NODE_MODULES.exists()),
    reason="needs node and `npm ci` (the oidc-provider package)",
)


def free_port() -> int:
    """A loopback port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_provider(port: int, redirect_uri: str) -> subprocess.Popen[str]:
    """The provider listening on the port, sending people back to ``redirect_uri``."""
    process = subprocess.Popen(  # noqa: S603 - our own script, with arguments we chose
        [NODE, str(PROVIDER_SCRIPT), str(port), redirect_uri, SECRET],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line.startswith("ready"), line
    return process
