"""The Kubernetes manifests hold together: what one object names, another defines."""

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

MANIFESTS = Path(__file__).parent.parent / "deploy" / "kubernetes"


def objects() -> list[dict[str, Any]]:
    return [
        document
        for path in sorted(MANIFESTS.glob("*.yaml"))
        for document in yaml.safe_load_all(path.read_text())
    ]


def named(kind: str, name: str) -> dict[str, Any]:
    [found] = [o for o in objects() if o["kind"] == kind and o["metadata"].get("name") == name]
    return found


def pod_specs() -> dict[str, dict[str, Any]]:
    return {
        o["metadata"].get("name", o["metadata"].get("generateName")): o["spec"]["template"]["spec"]
        for o in objects()
        if o["kind"] in ("Deployment", "Job")
    }


def test_every_pod_meets_the_restricted_pod_security_level() -> None:
    for name, spec in pod_specs().items():
        assert spec["securityContext"]["runAsNonRoot"], name
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        for container in spec["containers"]:
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False, name
            assert context["readOnlyRootFilesystem"] is True, name
            assert context["capabilities"]["drop"] == ["ALL"], name
            assert "@sha256:" in container["image"], name


def test_the_register_and_its_migration_share_image_settings_and_a_writable_tmp() -> None:
    specs = pod_specs()
    register, migrate = specs["register"], specs["register-migrate-"]
    assert register["containers"][0]["image"] == migrate["containers"][0]["image"]
    for spec in (register, migrate):
        [container] = spec["containers"]
        assert container["envFrom"] == [{"configMapRef": {"name": "register-settings"}}]
        assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"]  # noqa: S108
        assert {"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}} in spec["volumes"]


def test_the_redis_the_settings_name_is_defined_and_replicas_are_protected() -> None:
    settings = named("ConfigMap", "register-settings")["data"]
    redis_host = urlsplit(settings["REDIS_URL"]).hostname
    assert named("Service", str(redis_host))["spec"]["ports"][0]["port"] == 6379
    assert named("Deployment", "register")["spec"]["replicas"] >= 2
    budget = named("PodDisruptionBudget", "register")["spec"]
    assert budget["selector"] == named("Deployment", "register")["spec"]["selector"]
