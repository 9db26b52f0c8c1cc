"""The production compose file and Dockerfile, checked without a Docker engine (none on this machine)."""

from __future__ import annotations

import importlib
import re
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SERVICES = {"registry": 8001, "traceability": 8002, "marketplace_sync": 8003, "national_sync": 8004}
# Settings a container cannot run without (defaults point at 127.0.0.1 or a local key file).
REQUIRED_ENV = {"OCOP_KAFKA_BOOTSTRAP", "OCOP_MONGO_URL", "OCOP_SECRET_KEY", "OCOP_HOST", "OCOP_PORT", "OCOP_MONGO_DB"}


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
    assert set(env) >= REQUIRED_ENV, REQUIRED_ENV - set(env)
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
    assert callable(importlib.import_module(f"ocop_{name}.main").create_app)  # the module the image runs exists


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
    for name, port, target in (
        ("voso-standin", 8101, "ocop_marketplace_sync.standins.voso"),
        ("postmart-standin", 8102, "ocop_marketplace_sync.standins.postmart"),
        ("national-portal-standin", 8103, "ocop_national_sync.standin"),
    ):
        svc = compose["services"][name]
        assert svc["profiles"] == ["standins"]
        assert svc["environment"]["OCOP_PORT"] == str(port) and f"{port}:{port}" in svc["ports"]
        assert svc["environment"]["OCOP_SERVICE_MODULE"] == target
        assert callable(importlib.import_module(target).create_app)  # what the image's CMD runs exists
        assert "/healthz" in " ".join(svc["healthcheck"]["test"])


# --- Kubernetes manifests (deploy/k8s), checked without kubectl or kustomize -------------------------
# A small kustomize renderer: resources (files and directories), config/secret generators (create and
# merge), strategic-merge patches (maps merged, lists of named items merged by name) and JSON 6902
# patches, images, namespace. Enough for what deploy/k8s uses; a file it cannot find fails the test.

K8S = ROOT / "deploy" / "k8s"
OVERLAYS = ("province", "national", "dev")
RENDERED = {"base": K8S / "base", **{name: K8S / "overlays" / name for name in OVERLAYS}}
DEPLOYMENTS = {
    "registry": "registry",
    "traceability": "traceability",
    "marketplace-sync": "marketplace_sync",
    "national-sync": "national_sync",
}
STANDIN_MODULES = ("ocop_marketplace_sync.standins.", "ocop_national_sync.standin")
# Environment variables that are not OCOP_* settings, each for a stated reason.
NON_SETTINGS_ENV = {
    "FORWARDED_ALLOW_IPS",  # uvicorn: which proxies may set X-Forwarded-For
    "PYTHONDONTWRITEBYTECODE",  # read-only root filesystem
    "OCOP_SERVICE_MODULE",  # the image's CMD (deploy/Dockerfile): which app uvicorn serves
}
SCAN_PATHS = ("/S", "/s", "/01", "/tra-cuu", "/static")
CLUSTER_SCOPED = {"Namespace"}


def _docs(path: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def _env_file(path: Path) -> dict[str, str]:
    """A generator's env file. Secret env files are git-ignored: the tests read their .example."""
    if not path.exists() and path.with_name(path.name + ".example").exists() and path.parent.name == "secrets":
        path = path.with_name(path.name + ".example")
    assert path.exists(), f"missing file {path}"
    out = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            out[key.strip()] = value
    return out


def _select(resources: list[dict], target: dict) -> list[dict]:
    return [
        r
        for r in resources
        if r["kind"] == target.get("kind", r["kind"]) and re.fullmatch(target.get("name", ".*"), r["metadata"]["name"])
    ]


def _merge(base, patch):
    if isinstance(base, dict) and isinstance(patch, dict):
        out = dict(base)
        for key, value in patch.items():
            out[key] = _merge(base[key], value) if key in base else value
        return out
    if (
        isinstance(base, list)
        and isinstance(patch, list)
        and base
        and patch
        and all(isinstance(i, dict) and "name" in i for i in base + patch)
    ):
        out = list(base)
        for item in patch:
            at = next((n for n, b in enumerate(out) if b["name"] == item["name"]), None)
            if at is None:
                out.append(item)
            else:
                out[at] = _merge(out[at], item)
        return out
    return patch


def _json6902(doc: dict, ops: list[dict]) -> None:
    for op in ops:
        *parents, last = [p.replace("~1", "/").replace("~0", "~") for p in op["path"].split("/")[1:]]
        node = doc
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        key = int(last) if isinstance(node, list) else last
        if op["op"] == "remove":
            del node[key]
        else:
            assert op["op"] in ("add", "replace"), op
            assert op["op"] == "add" or (key in node if isinstance(node, dict) else key < len(node)), op
            node[key] = op["value"]


def render(directory: Path) -> list[dict]:
    kustomization = directory / "kustomization.yaml"
    assert kustomization.exists(), f"no kustomization in {directory}"
    k = yaml.safe_load(kustomization.read_text())
    resources: list[dict] = []
    for entry in k.get("resources", []):
        path = directory / entry
        assert path.exists(), f"{kustomization}: resource {entry} does not exist"
        resources += render(path) if path.is_dir() else _docs(path)
    for kind, field in (("ConfigMap", "configMapGenerator"), ("Secret", "secretGenerator")):
        for gen in k.get(field, []):
            data: dict[str, str] = {}
            for env in gen.get("envs", []):
                data.update(_env_file(directory / env))
            for literal in gen.get("literals", []):
                key, _, value = literal.partition("=")
                data[key] = value
            for file in gen.get("files", []):
                assert (directory / file).exists(), f"{kustomization}: missing {file}"
                data[Path(file).name] = (directory / file).read_text()
            existing = _select(resources, {"kind": kind, "name": re.escape(gen["name"])})
            if gen.get("behavior", "create") == "create":
                assert not existing, f"{gen['name']} generated twice"
                resources.append({"apiVersion": "v1", "kind": kind, "metadata": {"name": gen["name"]}, "data": data})
            else:
                assert existing, f"{kustomization}: {gen['behavior']} of unknown {kind} {gen['name']}"
                existing[0]["data"] = {**existing[0]["data"], **data} if gen["behavior"] == "merge" else data
    for patch in k.get("patches", []):
        text = (directory / patch["path"]).read_text() if "path" in patch else patch["patch"]
        docs = [d for d in yaml.safe_load_all(text) if d]
        if isinstance(docs[0], list):  # JSON 6902
            targets = _select(resources, patch["target"])
            assert targets, f"{kustomization}: patch target {patch['target']} matches nothing"
            for target in targets:
                _json6902(target, docs[0])
            continue
        for doc in docs:
            target = patch.get("target") or {"kind": doc["kind"], "name": re.escape(doc["metadata"]["name"])}
            targets = _select(resources, target)
            assert targets, f"{kustomization}: patch for {target} matches nothing"
            for t in targets:
                merged = _merge(t, {**doc, "metadata": {**doc.get("metadata", {}), "name": t["metadata"]["name"]}})
                t.clear()
                t.update(merged)
    for image in k.get("images", []):
        for r in resources:
            for c in _containers(r):
                if c["image"].split(":")[0] == image["name"]:
                    tag = image.get("newTag", c["image"].partition(":")[2])
                    c["image"] = image.get("newName", image["name"]) + (f":{tag}" if tag else "")
    if "namespace" in k:
        for r in resources:
            if r["kind"] not in CLUSTER_SCOPED:
                r["metadata"]["namespace"] = k["namespace"]
    return resources


def _containers(resource: dict, init: bool = True) -> list[dict]:
    if resource["kind"] != "Deployment":
        return []
    spec = resource["spec"]["template"]["spec"]
    return spec["containers"] + (spec.get("initContainers", []) if init else [])


def _by_kind(resources: list[dict], kind: str) -> dict[str, dict]:
    return {r["metadata"]["name"]: r for r in resources if r["kind"] == kind}


def _matches(selector: dict, labels: dict) -> bool:
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def _env(resources: list[dict], container: dict) -> dict[str, str]:
    """What a container sees: envFrom ConfigMaps/Secrets, then env."""
    cms, secrets = _by_kind(resources, "ConfigMap"), _by_kind(resources, "Secret")
    out: dict[str, str] = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            name = source["configMapRef"]["name"]
            assert name in cms, f"{container['name']}: no ConfigMap {name}"
            out.update(cms[name]["data"])
        else:
            name = source["secretRef"]["name"]
            assert name in secrets, f"{container['name']}: no Secret {name}"
            out.update(secrets[name]["data"])
    out.update({e["name"]: e.get("value", "") for e in container.get("env", [])})
    return out


@pytest.fixture(scope="module", params=list(RENDERED))
def rendered(request) -> tuple[str, list[dict]]:
    return request.param, render(RENDERED[request.param])


@pytest.fixture(scope="module")
def app_paths() -> dict[str, set[str]]:
    """Routes of each service's real app (built without connecting: clients connect lazily), the plain
    Starlette routes outside the OpenAPI document (the stamp URLs, the GS1 resolver) included."""
    from ocop_traceability.api import resolver, scan
    from ocop_traceability.api.epcis import router as epcis

    out = {}
    for service in SERVICES:
        module = importlib.import_module(f"ocop_{service}.main")
        settings_cls = next(
            v
            for k, v in vars(importlib.import_module(f"ocop_{service}.bootstrap")).items()
            if k.endswith("Settings") and k != "ServiceSettings"
        )
        app = module.create_app(settings_cls(jwt_secret="test-only"))
        out[service] = set(app.openapi()["paths"]) | {"/openapi.json", "/docs"}
        out[service] |= {r.path for r in app.routes if type(r).__name__ == "Mount"}
    out["traceability"] |= {
        r.path for r in (*scan.pages.routes, *resolver.pages.routes, *scan.SHORT_ROUTES, resolver.STAMP_ROUTE)
    }
    out["traceability"] |= {r.path for r in epcis.routes}  # GS1's bindings document them, not our OpenAPI
    return out


def test_every_manifest_parses_and_every_kustomization_renders():
    files = sorted(K8S.rglob("*.yaml"))
    assert len(files) >= 10
    for path in files:
        for doc in _docs(path):
            assert isinstance(doc, dict) and ("kind" in doc or path.name == "kustomization.yaml"), path
    for kustomization in K8S.rglob("kustomization.yaml"):
        assert render(kustomization.parent), kustomization


def test_names_are_unique_and_namespaced(rendered):
    name, resources = rendered
    keys = [(r["kind"], r["metadata"]["name"]) for r in resources]
    assert len(keys) == len(set(keys)), f"{name}: duplicate resources"
    for r in resources:
        if r["kind"] not in CLUSTER_SCOPED:
            assert r["metadata"]["namespace"] == "ocop", (name, r["kind"], r["metadata"]["name"])


def test_deployments_probes_resources_security(rendered):
    name, resources = rendered
    deployments = _by_kind(resources, "Deployment")
    assert set(DEPLOYMENTS) <= set(deployments), f"{name}: missing service Deployments"
    for dname, d in deployments.items():
        pod = d["spec"]["template"]
        assert _matches(d["spec"]["selector"]["matchLabels"], pod["metadata"]["labels"]), dname
        spec = pod["spec"]
        assert spec["securityContext"]["runAsNonRoot"] is True and spec["securityContext"]["runAsUser"] == 10001
        assert spec.get("automountServiceAccountToken") is False, dname
        for tsc in spec.get("topologySpreadConstraints", []):
            assert _matches(tsc["labelSelector"]["matchLabels"], pod["metadata"]["labels"]), dname
        volumes = {v["name"]: v for v in spec.get("volumes", [])}
        for c in _containers(d):
            assert {"cpu", "memory"} <= set(c["resources"]["limits"]), (dname, c["name"])
            assert {"cpu", "memory"} <= set(c["resources"]["requests"]), (dname, c["name"])
            sc = c["securityContext"]
            assert sc["readOnlyRootFilesystem"] is True and sc["allowPrivilegeEscalation"] is False
            assert sc["capabilities"]["drop"] == ["ALL"]
            for mount in c.get("volumeMounts", []):
                assert mount["name"] in volumes, (dname, mount)
        for c in _containers(d, init=False):
            ports = {p["name"]: p["containerPort"] for p in c["ports"]}
            for probe in ("readinessProbe", "livenessProbe") + (("startupProbe",) if dname in DEPLOYMENTS else ()):
                get = c[probe]["httpGet"]
                wanted = (
                    "/healthz" if dname not in DEPLOYMENTS else ("/livez" if probe == "livenessProbe" else "/readyz")
                )
                assert get["path"] == wanted and get["port"] in ports, (dname, probe)
            env = _env(resources, c)
            assert set(ports.values()) == {int(env["OCOP_PORT"])}, f"{dname}: container port != OCOP_PORT"
            # read-only root filesystem: /tmp and the data dir must be writable volumes
            mounts = {m["mountPath"] for m in c.get("volumeMounts", []) if not m.get("readOnly")}
            if dname in DEPLOYMENTS:
                assert {"/tmp", env["OCOP_DATA_DIR"]} <= mounts, dname
                assert volumes[next(m["name"] for m in c["volumeMounts"] if m["mountPath"] == env["OCOP_DATA_DIR"])]


def test_init_container_waits_for_all_topics(rendered):
    _, resources = rendered
    script = K8S / "base" / "scripts" / "wait_for_topics.py"
    compile(script.read_text(), str(script), "exec")
    assert "all_topics()" in script.read_text() and "OCOP_KAFKA_BOOTSTRAP" in script.read_text()
    scripts = _by_kind(resources, "ConfigMap")["ocop-scripts"]["data"]
    for dname in DEPLOYMENTS:
        spec = _by_kind(resources, "Deployment")[dname]["spec"]["template"]["spec"]
        init = spec["initContainers"][0]
        assert init["command"][-1].rsplit("/", 1)[1] in scripts
        assert "OCOP_KAFKA_BOOTSTRAP" in _env(resources, init)
        assert init["image"] == spec["containers"][0]["image"]


def test_images_follow_the_dockerfile(rendered):
    name, resources = rendered
    for _dname, d in _by_kind(resources, "Deployment").items():
        for c in _containers(d):
            image, _, tag = c["image"].rpartition(":")
            # one image per service: docker build -f deploy/Dockerfile --build-arg SERVICE=<services/ folder>
            assert image.rsplit("/", 1)[-1] in {f"ocop-{s}" for s in DEPLOYMENTS}, c["image"]
            assert (ROOT / "services" / DEPLOYMENTS[image.rsplit("/", 1)[-1][5:]]).is_dir()
            if name != "base":
                assert tag and tag not in ("latest", "set-by-overlay"), (name, c["image"])


def test_environment_is_real_settings(rendered):
    name, resources = rendered
    for dname, d in _by_kind(resources, "Deployment").items():
        for c in _containers(d, init=False):
            env = _env(resources, c)
            if dname not in DEPLOYMENTS:  # the simulated stand-ins (dev only)
                assert env["OCOP_SERVICE_MODULE"].startswith(STANDIN_MODULES)
                assert callable(importlib.import_module(env["OCOP_SERVICE_MODULE"]).create_app)
                continue
            service = DEPLOYMENTS[dname]
            unknown = set(env) - settings_fields(service) - NON_SETTINGS_ENV
            assert not unknown, f"{name}/{dname}: not settings of {service} (typo?): {unknown}"
            assert set(env) >= REQUIRED_ENV, REQUIRED_ENV - set(env)
            assert env["OCOP_MONGO_DB"] == service and env["OCOP_HOST"] == "0.0.0.0"
            assert "replicaSet=" in env["OCOP_MONGO_URL"] and "w=majority" in env["OCOP_MONGO_URL"]
    # and every key of every ConfigMap/Secret of the services is a setting of some service
    every = set().union(*(settings_fields(s) for s in SERVICES)) | NON_SETTINGS_ENV
    for kind in ("ConfigMap", "Secret"):
        for cname, cm in _by_kind(resources, kind).items():
            if cname != "ocop-scripts":
                assert set(cm["data"]) <= every, (name, cname, set(cm["data"]) - every)


def test_secrets_are_examples_only():
    k = yaml.safe_load((K8S / "base" / "kustomization.yaml").read_text())
    for gen in k["secretGenerator"]:
        for env in gen["envs"]:
            real = K8S / "base" / env
            example = real.with_name(real.name + ".example")
            assert example.exists(), example
            assert "REPLACE_ME" in example.read_text() and "EXAMPLE ONLY" in example.read_text()
            ignored = subprocess.run(["git", "check-ignore", "-q", str(real)], cwd=ROOT).returncode
            assert ignored == 0, f"{real} must be git-ignored"


def test_services_select_deployments_and_ports_match(rendered):
    name, resources = rendered
    deployments = _by_kind(resources, "Deployment")
    for sname, svc in _by_kind(resources, "Service").items():
        targets = [
            d
            for d in deployments.values()
            if _matches(svc["spec"]["selector"], d["spec"]["template"]["metadata"]["labels"])
        ]
        assert len(targets) == 1, f"{name}: Service {sname} selects {len(targets)} Deployments"
        ports = {p["name"]: p["containerPort"] for c in _containers(targets[0], init=False) for p in c["ports"]}
        for port in svc["spec"]["ports"]:
            assert port["targetPort"] in ports or port["targetPort"] in ports.values(), (sname, port)
    for dname in DEPLOYMENTS:
        assert dname in _by_kind(resources, "Service"), f"{name}: no Service for {dname}"


def test_hpa_and_pdb_target_existing_deployments(rendered):
    name, resources = rendered
    deployments = _by_kind(resources, "Deployment")
    hpas = _by_kind(resources, "HorizontalPodAutoscaler")
    assert "traceability" in hpas, "scan traffic must scale"
    for hname, hpa in hpas.items():
        assert hpa["apiVersion"] == "autoscaling/v2"
        ref = hpa["spec"]["scaleTargetRef"]
        assert ref["kind"] == "Deployment" and ref["name"] in deployments, (name, hname)
        assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"], (name, hname)
        assert any(m["resource"]["name"] == "cpu" for m in hpa["spec"]["metrics"])
    pdbs = _by_kind(resources, "PodDisruptionBudget")
    for pname, pdb in pdbs.items():
        matched = [
            d
            for d in deployments
            if _matches(
                pdb["spec"]["selector"]["matchLabels"], deployments[d]["spec"]["template"]["metadata"]["labels"]
            )
        ]
        assert matched == [pname], (name, pname, matched)
    assert set(DEPLOYMENTS) <= set(pdbs), f"{name}: a service without a PodDisruptionBudget"


def test_kafka_topics_match_the_code(rendered):
    from ocop_shared.events.models import TOPICS, dlq
    from ocop_shared.kafka import all_topics

    name, resources = rendered
    topics = {t["spec"]["topicName"]: t for t in resources if t["kind"] == "KafkaTopic"}
    assert set(topics) == set(all_topics()), f"{name}: KafkaTopics {set(topics) ^ set(all_topics())}"
    clusters = {t["metadata"]["labels"]["strimzi.io/cluster"] for t in topics.values()}
    bootstrap = {
        _env(resources, c)["OCOP_KAFKA_BOOTSTRAP"]
        for d in DEPLOYMENTS
        for c in _containers(_by_kind(resources, "Deployment")[d], init=False)
    }
    assert len(clusters) == 1 and bootstrap == {f"{clusters.pop()}-kafka-bootstrap:9092"}, (name, bootstrap)
    for topic, t in topics.items():
        spec = t["spec"]
        assert int(spec["config"]["min.insync.replicas"]) <= spec["replicas"]
        if name != "dev":
            assert spec["replicas"] >= 3 and int(spec["config"]["min.insync.replicas"]) == 2, (name, topic)
    for topic in TOPICS:
        assert topics[topic]["spec"]["partitions"] >= 3 and topics[dlq(topic)]["spec"]["partitions"] >= 1


def test_national_has_more_partitions_and_replicas_than_province():
    province, national = render(RENDERED["province"]), render(RENDERED["national"])
    part = lambda rs: {t["spec"]["topicName"]: t["spec"]["partitions"] for t in rs if t["kind"] == "KafkaTopic"}  # noqa: E731
    assert all(part(national)[t] >= part(province)[t] for t in part(province))
    assert part(national) != part(province)
    hpa = lambda rs: _by_kind(rs, "HorizontalPodAutoscaler")["traceability"]["spec"]  # noqa: E731
    assert hpa(national)["minReplicas"] > hpa(province)["minReplicas"]
    assert hpa(national)["maxReplicas"] > hpa(province)["maxReplicas"]


def test_ingress_routes_exist_and_scan_host_is_the_stamp_host(rendered, app_paths):
    name, resources = rendered
    services = _by_kind(resources, "Service")
    ingresses = _by_kind(resources, "Ingress")
    scan = ingresses["ocop-scan"]
    for ing in ingresses.values():
        for rule in ing["spec"]["rules"]:
            for p in rule["http"]["paths"]:
                backend = p["backend"]["service"]
                assert backend["name"] in services, (name, backend)
                assert backend["port"]["name"] in {x["name"] for x in services[backend["name"]]["spec"]["ports"]}
                routes = app_paths[DEPLOYMENTS[backend["name"]]]
                assert any(r == p["path"] or r.startswith(p["path"] + "/") for r in routes), (name, p["path"])
                assert p["path"] not in ("/healthz", "/readyz", "/livez", "/metrics")
    paths = {p["path"]: p["backend"]["service"]["name"] for r in scan["spec"]["rules"] for p in r["http"]["paths"]}
    assert all(paths.get(p) == "traceability" for p in SCAN_PATHS), paths
    trace = _by_kind(resources, "Deployment")["traceability"]["spec"]["template"]["spec"]["containers"][0]
    stamp_host = _env(resources, trace)["OCOP_STAMP_BASE_URL"].split("://", 1)[1].split("/")[0]
    assert {r["host"] for r in scan["spec"]["rules"]} == {stamp_host}, name


def test_marketplace_standins_only_in_dev_and_labelled_simulated(rendered):
    name, resources = rendered
    standins = [r for r in resources if "standin" in r["metadata"]["name"]]
    cm = _by_kind(resources, "ConfigMap")["ocop-marketplace-sync"]["data"]
    portal = _by_kind(resources, "ConfigMap")["ocop-national-sync"]["data"]
    if name != "dev":
        assert not standins, name
        assert cm["OCOP_VOSO_URL"] == "" and cm["OCOP_POSTMART_URL"] == "", "no real seller API: disabled"
        assert portal["OCOP_NATIONAL_PORTAL_URL"] == "", "the portal's API is not public: disabled until granted"
        return
    assert portal["OCOP_NATIONAL_PORTAL_URL"] == "http://national-portal-standin:8103"
    assert {r["kind"] for r in standins} == {"Deployment", "Service"}
    for r in standins:
        assert r["metadata"]["labels"]["ocop.example/simulated"] == "true"
    assert (
        cm["OCOP_VOSO_URL"] == "http://voso-standin:8101" and cm["OCOP_POSTMART_URL"] == "http://postmart-standin:8102"
    )


def test_deploy_readme_lists_every_index_the_code_creates():
    text = (ROOT / "deploy" / "README.md").read_text(encoding="utf-8")
    found, calls, read = set(), 0, 0
    for path in [*ROOT.glob("services/*/src/**/*.py"), *ROOT.glob("shared/src/**/*.py")]:
        source = path.read_text(encoding="utf-8")
        calls += source.count(".create_index(")
        # db.coll.create_index("f") or db["dotted.name"].create_index("f") (GridFS's collections); two services
        # may index the same collection and field in their own databases: one README row
        indexes = [
            (plain or dotted, field)
            for plain, dotted, field in re.findall(
                r"db(?:\.(\w+)|\[\"([\w.]+)\"\])\.create_index\(\s*\"([\w.]+)\"", source
            )
        ]
        read += len(indexes)
        found |= set(indexes)
    assert len(found) >= 15 and calls == read, "an index this test cannot read (compound?): extend it"
    for coll, field in found:
        assert f"`{coll}.{field}`" in text, f"deploy/README.md does not list the index {coll}.{field}"
