"""A client generated from openapi/openapi.json drives the service end to end over HTTP.

This is what an MIS vendor or an LA's platform team does first; if the description and the
service disagree anywhere on this path, a call raises or an answer fails to parse.
"""

import importlib
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.builders import MONDAY, make_upn, week
from tests.conftest import ADMIN_ID, ADMIN_SECRET

SPEC = Path(__file__).resolve().parent.parent / "openapi" / "openapi.json"
PACKAGE = "register_client"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The client package, generated into a temporary folder and imported."""
    root = tmp_path_factory.mktemp("generated")
    config = root / "config.yaml"
    config.write_text(f"post_hooks: []\npackage_name_override: {PACKAGE}\n")
    subprocess.run(  # noqa: S603 - our own generator on our own spec
        [
            str(Path(sys.executable).parent / "openapi-python-client"),
            "generate",
            "--path",
            str(SPEC),
            "--config",
            str(config),
            "--output-path",
            str(root / "client"),
        ],
        check=True,
        capture_output=True,
    )
    sys.path.insert(0, str(root / "client"))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(root / "client"))
        for name in [n for n in sys.modules if n.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def api(operation: str) -> Any:
    """A generated operation module, e.g. ``api("auth.issue_token")``."""
    return importlib.import_module(f"{PACKAGE}.api.{operation}")


def models() -> Any:
    return importlib.import_module(f"{PACKAGE}.models")


def call(operation: str, client: Any, status: int, **arguments: Any) -> Any:
    """Call an operation, insisting on the status; its answer parsed into its model."""
    response = api(operation).sync_detailed(client=client, **arguments)
    assert response.status_code == status, response.content
    assert response.parsed is not None
    return response.parsed


def token_for(generated: ModuleType, base_url: str, client_id: str, secret: str) -> Any:
    """An authenticated generated client, its token got through the generated token call."""
    anonymous = generated.Client(base_url=base_url, raise_on_unexpected_status=True)
    body = models().TokenRequest(
        grant_type="client_credentials", client_id=client_id, client_secret=secret
    )
    token = call("auth.issue_token", anonymous, 200, body=body)
    assert isinstance(token, models().TokenResponse)
    return generated.AuthenticatedClient(
        base_url=base_url, token=token.access_token, raise_on_unexpected_status=True
    )


def record(m: Any, upn: str, **fields: Any) -> Any:
    values: dict[str, Any] = {
        "upn": upn,
        "date_of_birth": date(2013, 5, 1),
        "week_commencing": MONDAY,
        "hours": 10.0,
        "provision_type": m.ProvisionType.ALTERNATIVE_PROVISION,
    }
    return m.ProvisionRecordIn(**(values | fields))


def test_a_generated_client_drives_the_register_end_to_end(
    generated: ModuleType, live_url: str
) -> None:
    m = models()
    admin = token_for(generated, live_url, ADMIN_ID, ADMIN_SECRET)
    provider = call(
        "providers.create_provider",
        admin,
        201,
        body=m.ProviderCreate(name="Ash AP", kind=m.ProviderKind.AP, urn="123456"),
    )
    assert isinstance(provider, m.ProviderOut)
    registered = call(
        "clients.create_client",
        admin,
        201,
        body=m.ClientCreate(name="Ash MIS", role=m.Role.PROVIDER, provider_id=provider.id),
    )
    mis = token_for(generated, live_url, registered.client_id, registered.client_secret)
    officer_client = call(
        "clients.create_client",
        admin,
        201,
        body=m.ClientCreate(name="Dashboard", role=m.Role.LA_OFFICER),
    )
    officer = token_for(generated, live_url, officer_client.client_id, officer_client.client_secret)
    inspector_client = call(
        "clients.create_client", admin, 201, body=m.ClientCreate(name="HMI", role=m.Role.INSPECTOR)
    )
    inspector = token_for(
        generated, live_url, inspector_client.client_id, inspector_client.client_secret
    )

    # A batch with a bad record: the 422 parses into the Problem with its pointers.
    bad_upn = make_upn(1)[:-1] + "X"
    rejected = call(
        "provision.submit_provision_batch",
        mis,
        422,
        body=m.ProvisionBatchIn(records=[record(m, make_upn(1)), record(m, bad_upn)]),
    )
    assert isinstance(rejected, m.Problem)
    assert [error.pointer for error in rejected.errors] == ["/records/1/upn"]

    # A good batch: seven children below 25 hours for three weeks.
    upns = [make_upn(serial) for serial in range(1, 8)]
    records = [
        record(m, upn, week_commencing=week(n), exclusion_type=m.ExclusionType.PERMANENT)
        for upn in upns
        for n in range(3)
    ]
    accepted = call(
        "provision.submit_provision_batch", mis, 200, body=m.ProvisionBatchIn(records=records)
    )
    assert (accepted.received, accepted.created) == (21, 21)

    as_at = week(2)
    status = call("pupils.get_pupil_status", officer, 200, upn=upns[0], as_at=as_at)
    assert (status.below_threshold, status.weeks_below) == (True, 3)

    seen: list[str] = []
    cursor: Any = None
    while True:
        page = call(
            "register.list_register",
            officer,
            200,
            as_at=as_at,
            limit=3,
            **({"cursor": cursor} if cursor else {}),
        )
        seen += [item.upn for item in page.items]
        if not page.cursor:
            break
        cursor = page.cursor
    assert sorted(seen) == sorted(upns)

    summary = call("summary.get_summary", inspector, 200, as_at=as_at)
    assert summary.suppressed is True
    assert summary.children_below_threshold == 7
    by_type = summary.by_provision_type[0]
    assert by_type.children == 7

    trend = call("summary.get_summary_trend", officer, 200, from_=MONDAY, to=as_at, suppress=True)
    assert [point.children_below_threshold for point in trend.points] == [7, 7, 7]

    extract = call("extracts.get_inspection_extract", inspector, 200, as_at=as_at)
    assert isinstance(extract.items[0], m.ExtractRow)
    assert sorted(row.upn for row in extract.items) == sorted(upns)
    assert extract.items[0].exclusion_type == m.ExclusionType.PERMANENT

    csv = api("extracts.get_inspection_extract_csv").sync_detailed(client=inspector, as_at=as_at)
    assert csv.status_code == 200
    assert csv.content.decode().splitlines()[0].startswith("child_id,upn,")

    alerts = call("alerts.list_alerts", officer, 200, as_at=as_at)
    assert isinstance(alerts, m.AlertList)
    assert {alert.upn for alert in alerts.items} >= set(upns)
    assert alerts.counts.no_school_on_roll == 7


def test_suppressed_counts_parse_as_the_marker(generated: ModuleType, live_url: str) -> None:
    m = models()
    admin = token_for(generated, live_url, ADMIN_ID, ADMIN_SECRET)
    summary = call("summary.get_summary", admin, 200, as_at=MONDAY, suppress=True)
    assert summary.children_on_register == 0
    provider = call(
        "providers.create_provider",
        admin,
        201,
        body=m.ProviderCreate(name="Elm", kind=m.ProviderKind.PRU),
    )
    few = [record(m, make_upn(serial), provider_id=provider.id) for serial in (1, 2)]
    call("provision.submit_provision_batch", admin, 200, body=m.ProvisionBatchIn(records=few))
    suppressed = call("summary.get_summary", admin, 200, as_at=MONDAY, suppress=True)
    assert suppressed.children_below_threshold == m.Suppressed.C
