"""The production compose file and Dockerfile, checked without a Docker engine (none on this machine)."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SERVICES = {"registry": 8001, "traceability": 8002, "marketplace_sync": 8003}
# Settings a container cannot run without (defaults point at 127.0.0.1 or a local key file).
REQUIRED_ENV = {"OCOP_KAFKA_BOOTSTRAP", "OCOP_MONGO_URL", "OCOP_JWT_SECRET", "OCOP_HOST", "OCOP_PORT", "OCOP_MONGO_DB"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def settings_fields(service: str) -> set[str]:
    module = importlib.import_module(f"ocop_{service}.bootstrap")
    cls = next(v for k, v in vars(module).items() if k.endswith("Settings") and k != "ServiceSettings")
    return {f"OCOP_{name.upper()}" for name in cls.model_fields}


@pytest.mark.parametrize("name, port", SERVICES.items())
def test_service_gets_required_settings(compose, name, port):
    svc = compose["services"][name]
    env = svc["environment"]
    assert REQUIRED_ENV <= set(env), REQUIRED_ENV - set(env)
    assert set(env) <= settings_fields(name) | {"OCOP_SERVICE_MODULE"}, "unknown setting (typo?)"
    assert env["OCOP_PORT"] == str(port) and f"{port}:{port}" in svc["ports"]
    assert env["OCOP_MONGO_DB"] == name
    assert env["OCOP_KAFKA_BOOTSTRAP"].split(":")[0] in compose["services"]
    assert "replicaSet=" in env["OCOP_MONGO_URL"]
    assert env["OCOP_HOST"] == "0.0.0.0"
    assert svc["build"]["args"]["SERVICE"] == name and svc["build"]["dockerfile"] == "deploy/Dockerfile"
    assert svc["healthcheck"]["test"] and "/healthz" in " ".join(svc["healthcheck"]["test"])
    assert svc["depends_on"]["kafka"]["condition"] == "service_healthy"
    assert svc["depends_on"]["mongo-init"]["condition"] == "service_completed_successfully"
    importlib.import_module(f"ocop_{name}.main").create_app  # the module the image runs exists


def test_every_container_has_image_or_build_and_infra_healthchecks(compose):
    for name, svc in compose["services"].items():
        assert "image" in svc or "build" in svc, name
    for infra in ("kafka", "mongo"):
        assert compose["services"][infra]["healthcheck"]["test"]


def test_mongo_runs_as_initiated_replica_set(compose):
    mongo = compose["services"]["mongo"]
    assert "--replSet" in mongo["command"]
    rs = mongo["command"][mongo["command"].index("--replSet") + 1]
    init = " ".join(compose["services"]["mongo-init"]["command"])
    assert "rs.initiate" in init and f"_id: '{rs}'" in init
    for name in SERVICES:
        assert f"replicaSet={rs}" in compose["services"][name]["environment"]["OCOP_MONGO_URL"]


def test_kafka_is_kraft_and_topics_are_created(compose):
    env = compose["services"]["kafka"]["environment"]
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert "KAFKA_CONTROLLER_QUORUM_VOTERS" in env and "ZOOKEEPER" not in " ".join(env)
    script = compose["services"]["kafka-topics"]["command"][0]
    from ocop_shared.kafka import CONSUMERS
    for topic in CONSUMERS:
        assert topic.split(".")[1] in script or topic in script


def test_dockerfile_is_multistage_nonroot_with_healthcheck():
    text = (ROOT / "deploy" / "Dockerfile").read_text()
    assert len(re.findall(r"^FROM ", text, re.M)) >= 2
    users = re.findall(r"^USER (\S+)", text, re.M)
    assert users and users[-1] not in ("root", "0")
    assert re.search(r"^HEALTHCHECK .*", text, re.M) and "/healthz" in text
    assert "uv sync --frozen" in text  # installs from the lock file


def test_standins_profile(compose):
    for name, port, module in (("voso-standin", 8101, "voso"), ("postmart-standin", 8102, "postmart")):
        svc = compose["services"][name]
        assert svc["profiles"] == ["standins"]
        assert svc["environment"]["OCOP_PORT"] == str(port) and f"{port}:{port}" in svc["ports"]
        target = svc["environment"]["OCOP_SERVICE_MODULE"]
        assert target == f"ocop_marketplace_sync.standins.{module}"
        importlib.import_module(target).create_app  # what the image's CMD runs exists
        assert "/healthz" in " ".join(svc["healthcheck"]["test"])
