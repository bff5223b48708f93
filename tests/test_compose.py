"""The production stack's contract, read from docker-compose.yml (parsed only: no Docker in CI)."""

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "docker-compose.yml"
APP_SERVICES = ("api", "worker", "launcher")
APP_DEPENDENCIES = ("app-db", "temporal")
REQUIRED_SECRETS = ("POSTGRES_PASSWORD", "APP_DB_PASSWORD", "KINERJA_JWT_SECRET")
STATEFUL = {"postgresql": "/var/lib/postgresql/data", "app-db": "/var/lib/postgresql/data"}
# Keys api may carry that worker does not (it serves HTTP); everything else must match.
API_ONLY_KEYS = {"command", "ports", "healthcheck"}
SECRET_KEY = re.compile(r"PASSWORD|SECRET|PWD|TOKEN", re.IGNORECASE)
# ${NAME}, ${NAME:-x}, ${NAME:?msg} ... but not the escaped $${NAME} meant for the container.
REF = re.compile(r"(?<!\$)\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?P<op>:?[-?+])?")

Doc = dict[str, Any]


def load(text: str) -> Doc:
    """The compose document with YAML merge keys resolved."""
    doc = yaml.safe_load(text)
    assert isinstance(doc, dict), "docker-compose.yml is not a mapping"
    return doc


def strings(node: Any) -> Iterator[str]:
    """Every string value (and key) anywhere in the document."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from strings(key)
            yield from strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from strings(item)


def environment(service: Doc) -> dict[str, str]:
    """A service's environment in mapping form (compose also allows a KEY=VALUE list)."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(k): "" if v is None else str(v) for k, v in env.items()}


def published(service: Doc) -> set[tuple[str, str]]:
    """(host port, container port) pairs from short or long port syntax."""
    pairs: set[tuple[str, str]] = set()
    for port in service.get("ports") or []:
        if isinstance(port, dict):
            pairs.add((str(port.get("published", "")), str(port.get("target", ""))))
            continue
        parts = str(port).split("/")[0].rsplit(":", 2)  # [ip:]host:container
        if len(parts) >= 2:
            pairs.add((parts[-2], parts[-1]))
    return pairs


def has_healthcheck(service: Doc) -> bool:
    """A healthcheck that actually runs a test."""
    check = service.get("healthcheck") or {}
    test = check.get("test")
    if check.get("disable") or not test:
        return False
    return not (isinstance(test, list) and test[0] == "NONE")


def check_images(doc: Doc) -> list[str]:
    """Every service has an image or a build; pulled images carry a pinned tag."""
    problems = []
    for name, service in doc.get("services", {}).items():
        image, build = service.get("image"), service.get("build")
        if not image and not build:
            problems.append(f"{name}: neither image nor build")
        elif image and not build:
            tag = image.rsplit("/", 1)[-1].partition(":")[2]
            if not tag or tag == "latest":
                problems.append(f"{name}: image {image!r} is not pinned to a tag")
    return problems


def check_app_services_share_build(doc: Doc) -> list[str]:
    """api, worker and launcher are one build and one configuration, differing in command."""
    services = doc.get("services", {})
    missing = [name for name in APP_SERVICES if name not in services]
    if missing:
        return [f"missing app service(s): {missing}"]
    api = services["api"]
    problems = []
    for name in APP_SERVICES[1:]:
        other = services[name]
        if not api.get("build") or api.get("build") != other.get("build"):
            problems.append(f"api and {name}: not the same build")
        if not api.get("command") or not other.get("command"):
            problems.append(f"api and {name}: each needs an explicit command")
        elif api["command"] == other["command"]:
            problems.append(f"api and {name}: same command")
        for key in sorted((set(api) | set(other)) - API_ONLY_KEYS):
            if api.get(key) != other.get(key):
                problems.append(f"api and {name}: differ in {key!r}")
    return problems


def check_depends_healthy(doc: Doc) -> list[str]:
    """App services wait for healthy dependencies, and each awaited service has a healthcheck."""
    services = doc.get("services", {})
    problems = []
    for name in APP_SERVICES:
        depends = services.get(name, {}).get("depends_on")
        if not isinstance(depends, dict):
            problems.append(f"{name}: depends_on must be a mapping with conditions")
            continue
        for dep in APP_DEPENDENCIES:
            if dep not in depends:
                problems.append(f"{name}: does not depend on {dep}")
        for dep, spec in depends.items():
            if (spec or {}).get("condition") != "service_healthy":
                problems.append(f"{name}: depends on {dep} without condition service_healthy")
    for name, service in services.items():
        depends = service.get("depends_on") or {}
        for dep in depends:
            spec = depends[dep] if isinstance(depends, dict) else None
            if dep not in services:
                problems.append(f"{name}: depends on unknown service {dep}")
            elif (spec or {}).get("condition") == "service_healthy" and not has_healthcheck(
                services[dep]
            ):
                problems.append(
                    f"{name}: waits for {dep} to be healthy but {dep} has no healthcheck"
                )
    return problems


def check_secrets(doc: Doc) -> list[str]:
    """Secrets are required variables (${VAR:?msg}): no default, no literal value."""
    problems = []
    seen: set[str] = set()
    for text in strings(doc):
        for ref in REF.finditer(text):
            if ref["name"] in REQUIRED_SECRETS:
                seen.add(ref["name"])
                if ref["op"] != ":?":
                    problems.append(f"${{{ref['name']}}} is not required (use ${{VAR:?message}})")
    problems += [f"secret {name} is never used" for name in REQUIRED_SECRETS if name not in seen]
    for name, service in doc.get("services", {}).items():
        for key, value in environment(service).items():
            refs = list(REF.finditer(value))
            if SECRET_KEY.search(key) and not any(ref["op"] == ":?" for ref in refs):
                problems.append(f"{name}: {key} is not a required ${{VAR:?...}} reference")
    return problems


def check_ports(doc: Doc) -> list[str]:
    """The API is published on 8000 and the Temporal UI on 8233."""
    services = doc.get("services", {})
    problems = []
    for name, pair in (("api", ("8000", "8000")), ("temporal-ui", ("8233", "8080"))):
        if pair not in published(services.get(name, {})):
            problems.append(f"{name}: port {pair[0]}->{pair[1]} not published")
    return problems


def check_volumes(doc: Doc) -> list[str]:
    """Databases keep their data in declared named volumes."""
    declared = doc.get("volumes") or {}
    problems = [] if declared else ["no named volumes declared"]
    for name, service in doc.get("services", {}).items():
        mounts = {}
        for volume in service.get("volumes") or []:
            if isinstance(volume, dict):
                source, target = volume.get("source"), volume.get("target")
            else:  # "source:target[:mode]", or a bare "target" for an anonymous volume
                parts = str(volume).split(":")
                source, target = (parts[0], parts[1]) if len(parts) > 1 else (None, parts[0])
            mounts[target] = source
            named = source and not str(source).startswith((".", "/", "~", "$"))
            if named and source not in declared:
                problems.append(f"{name}: volume {source!r} is not declared")
        if name in STATEFUL and mounts.get(STATEFUL[name]) not in declared:
            problems.append(f"{name}: {STATEFUL[name]} is not on a named volume")
    return problems


CHECKS: tuple[Callable[[Doc], list[str]], ...] = (
    check_images,
    check_app_services_share_build,
    check_depends_healthy,
    check_secrets,
    check_ports,
    check_volumes,
)


def problems_of(doc: Doc) -> list[str]:
    """Every broken rule of the document."""
    return [problem for check in CHECKS for problem in check(doc)]


@pytest.fixture(scope="module")
def doc() -> Doc:
    return load(COMPOSE.read_text())


def fresh(doc: Doc) -> Doc:
    """A deep copy that shares nothing (YAML anchors share objects between api and worker)."""
    copy: Doc = json.loads(json.dumps(doc))
    return copy


def test_expected_services(doc: Doc) -> None:
    assert {"postgresql", "temporal", "temporal-ui", "app-db", "api", "worker", "launcher"} <= set(
        doc["services"]
    )


def test_the_launcher_runs_apart_from_the_cycles(doc: Doc) -> None:
    """The worker service serves the cycles (it is the one to scale) and the launcher service
    the bulk launcher alone, each by the argument `python -m worker` reads."""
    from settings import Settings
    from worker import settings_for

    served = {}
    for name in ("worker", "launcher"):
        command = doc["services"][name]["command"]
        assert command[:3] == ["python", "-m", "worker"], name
        served[name] = settings_for(command[3:], Settings()).worker_queues
    assert served == {"worker": "cycles", "launcher": "launch"}
    with pytest.raises(SystemExit, match="usage"):
        settings_for(["everything"], Settings())


@pytest.mark.parametrize("check", CHECKS, ids=lambda check: check.__name__)
def test_compose_file_passes(doc: Doc, check: Callable[[Doc], list[str]]) -> None:
    assert check(doc) == []


def test_api_healthcheck_hits_health_with_urllib(doc: Doc) -> None:
    test = " ".join(doc["services"]["api"]["healthcheck"]["test"])
    assert "python" in test
    assert "urllib" in test
    assert "/health" in test


def test_temporal_on_postgresql(doc: Doc) -> None:
    temporal = doc["services"]["temporal"]
    assert temporal["image"].startswith(("temporalio/auto-setup:", "temporalio/server:"))
    assert environment(temporal)["POSTGRES_SEEDS"] == "postgresql"
    assert temporal["depends_on"]["postgresql"]["condition"] == "service_healthy"
    config = environment(temporal)["DYNAMIC_CONFIG_FILE_PATH"].rsplit("/", 1)[-1]
    assert (ROOT / "deploy/temporal/dynamicconfig" / config).is_file()
    assert environment(doc["services"]["temporal-ui"])["TEMPORAL_ADDRESS"] == "temporal:7233"


def test_app_talks_to_the_stack(doc: Doc) -> None:
    env = environment(doc["services"]["api"])
    assert env["DATABASE_URL"].startswith("postgresql+psycopg://")
    assert "@app-db:" in env["DATABASE_URL"]
    assert env["TEMPORAL_ADDRESS"] == "temporal:7233"
    assert env["KINERJA_ENV"] == "production"
    assert env["KINERJA_EMBEDDED_TEMPORAL"] == "false"


def test_env_example_lists_every_required_variable() -> None:
    text = COMPOSE.read_text()
    required = {ref["name"] for ref in REF.finditer(text) if ref["op"] == ":?"}
    assert set(REQUIRED_SECRETS) <= required
    listed = set(
        re.findall(r"^([A-Z_][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(), re.MULTILINE)
    )
    assert required - listed == set()


def test_image_is_slim_non_root_without_dev_deps() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim\b", dockerfile, re.MULTILINE)
    assert re.search(r"pip install \.(\s|$)", dockerfile)
    assert "[dev]" not in dockerfile
    users = re.findall(r"^USER\s+(\S+)", dockerfile, re.MULTILINE)
    assert users, "no USER"
    assert users[-1].split(":")[0] not in {"root", "0"}
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".env", ".venv", ".git"} <= set(ignored)


def _set(path: str, value: Any) -> Callable[[Doc], None]:
    """A mutation that sets (or, with value None, removes) services.<path>."""

    def mutate(doc: Doc) -> None:
        *parents, leaf = path.split(".")
        node = doc["services"]
        for key in parents:
            node = node[key]
        if value is None:
            node.pop(leaf, None)
        else:
            node[leaf] = value

    return mutate


def _same_command(doc: Doc) -> None:
    doc["services"]["worker"]["command"] = doc["services"]["api"]["command"]


def _drop_volumes(doc: Doc) -> None:
    doc.pop("volumes")


def _default_jwt_secret(doc: Doc) -> None:
    doc["services"]["api"]["environment"]["KINERJA_JWT_SECRET"] = "${KINERJA_JWT_SECRET:-changeme}"


def _literal_db_password(doc: Doc) -> None:
    doc["services"]["app-db"]["environment"]["POSTGRES_PASSWORD"] = "kinerja"


MUTATIONS = [
    ("no-image-no-build", _set("temporal-ui.image", None), "temporal-ui: neither image"),
    ("latest-tag", _set("temporal.image", "temporalio/auto-setup:latest"), "not pinned"),
    ("worker-other-build", _set("worker.build", "./worker"), "not the same build"),
    ("worker-other-env", _set("worker.environment", {"KINERJA_ENV": "dev"}), "'environment'"),
    ("same-command", _same_command, "same command"),
    ("list-depends", _set("api.depends_on", ["app-db", "temporal"]), "must be a mapping"),
    (
        "started-not-healthy",
        _set("worker.depends_on.temporal", {"condition": "service_started"}),
        "worker: depends on temporal without condition service_healthy",
    ),
    ("no-temporal-dep", _set("api.depends_on.temporal", None), "api: does not depend on temporal"),
    ("dep-without-healthcheck", _set("app-db.healthcheck", None), "app-db has no healthcheck"),
    (
        "dep-healthcheck-disabled",
        _set("temporal.healthcheck", {"disable": True}),
        "temporal has no healthcheck",
    ),
    ("secret-with-default", _default_jwt_secret, "${KINERJA_JWT_SECRET} is not required"),
    ("literal-password", _literal_db_password, "app-db: POSTGRES_PASSWORD"),
    ("api-port-gone", _set("api.ports", None), "api: port 8000->8000"),
    ("ui-port-moved", _set("temporal-ui.ports", ["8080:8080"]), "temporal-ui: port 8233->8080"),
    ("volumes-undeclared", _drop_volumes, "no named volumes"),
    (
        "db-on-anonymous-volume",
        _set("app-db.volumes", ["/var/lib/postgresql/data"]),
        "app-db: /var/lib/postgresql/data is not on a named volume",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [pytest.param(mutate, expected, id=name) for name, mutate, expected in MUTATIONS],
)
def test_checks_catch_a_broken_copy(doc: Doc, mutate: Callable[[Doc], None], expected: str) -> None:
    broken = fresh(doc)
    mutate(broken)
    # Round-trip through YAML text, as a hand-edited file would be read.
    found = problems_of(load(yaml.safe_dump(broken)))
    assert any(expected in problem for problem in found), found


def test_api_keep_alive_matches_every_other_start(doc: Doc) -> None:
    """The image and the compose stack serve the API with infra.apiserver's keep-alive."""
    from infra.apiserver import KEEP_ALIVE_S

    compose_cmd = doc["services"]["api"]["command"]
    assert compose_cmd[compose_cmd.index("--timeout-keep-alive") + 1] == str(KEEP_ALIVE_S)
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert f'"--timeout-keep-alive", "{KEEP_ALIVE_S}"' in dockerfile
