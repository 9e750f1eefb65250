"""docker-compose.yml: accepted by Debian's docker-compose, wired as documented."""

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]

REPO_ROOT = Path(__file__).resolve().parents[2]
CONTRACT_ENV_NAMES = {
    "JALUR_DATABASE_URL",
    "JALUR_DATABASE_OWNER_URL",
    "JALUR_TEST_DATABASE_URL",
    "JALUR_TEST_DATABASE_OWNER_URL",
    "JALUR_REDIS_URL",
    "JALUR_TEST_REDIS_URL",
}


def docker_compose_config(extra_env: dict[str, str] | None = None) -> dict[str, Any]:
    """Return the compose file as `docker-compose config` resolves it (no engine needed)."""
    executable = shutil.which("docker-compose")
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail("docker-compose is missing; scripts/bootstrap installs it as root")
        pytest.skip("Debian's docker-compose is not installed (apt-get install -y docker-compose)")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JALUR_", "POSTGRES_"))}
    env.update(extra_env or {})
    completed = subprocess.run(
        [executable, "-f", str(REPO_ROOT / "docker-compose.yml"), "config"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    config = yaml.safe_load(completed.stdout)
    assert isinstance(config, dict)
    return config


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    """Provide the resolved compose configuration with default passwords."""
    return docker_compose_config()


def test_compose_defines_exactly_the_four_services(compose: dict[str, Any]) -> None:
    assert sorted(compose["services"]) == ["api", "db", "redis", "worker"]


def test_db_is_postgis_15_with_the_shared_bootstrap_sql(compose: dict[str, Any]) -> None:
    db = compose["services"]["db"]
    assert db["image"].startswith("postgis/postgis:15-3.")
    mounts = [volume.split(":")[:2] for volume in db["volumes"]]
    assert [str(REPO_ROOT / "scripts/sql/bootstrap.sql"), "/jalur/bootstrap.sql"] in mounts
    assert [
        str(REPO_ROOT / "scripts/sql/compose-init.sh"),
        "/docker-entrypoint-initdb.d/20-jalur.sh",
    ] in mounts
    assert db["healthcheck"]["test"] == [
        "CMD-SHELL",
        "pg_isready -h 127.0.0.1 -U postgres -d jalur_test",
    ]


def test_redis_is_version_7_and_answers_ping_in_its_healthcheck(compose: dict[str, Any]) -> None:
    redis = compose["services"]["redis"]
    assert redis["image"] == "redis:7"
    assert redis["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]


def test_api_waits_for_healthy_services_and_checks_healthz(compose: dict[str, Any]) -> None:
    api = compose["services"]["api"]
    assert api["build"]["context"] == str(REPO_ROOT)
    assert api["depends_on"] == {
        "db": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
    }
    assert "http://127.0.0.1:8000/healthz" in " ".join(api["healthcheck"]["test"])
    assert api["command"][-1] == "jalur migrate && exec jalur serve --host 0.0.0.0 --port 8000"


def test_worker_runs_rq_after_the_api_has_migrated(compose: dict[str, Any]) -> None:
    worker = compose["services"]["worker"]
    assert worker["command"] == ["jalur", "worker"]
    assert worker["depends_on"]["api"] == {"condition": "service_healthy"}
    assert "healthcheck" in worker


def test_api_and_worker_environment_names_match_the_env_file_contract(
    compose: dict[str, Any],
) -> None:
    for name in ("api", "worker"):
        environment = compose["services"][name]["environment"]
        assert set(environment) == CONTRACT_ENV_NAMES | {
            "JALUR_ENVIRONMENT",
            "JALUR_LOG_FORMAT",
            "JALUR_JWT_SECRET",
        }
        # Unset on the host means unset in the container, so the settings' default applies.
        assert environment["JALUR_JWT_SECRET"] is None
    api_env = compose["services"]["api"]["environment"]
    assert api_env["JALUR_DATABASE_URL"] == (
        "postgresql+asyncpg://jalur_app:jalur_app_dev@db:5432/jalur"
    )
    assert api_env["JALUR_DATABASE_OWNER_URL"] == (
        "postgresql+asyncpg://jalur_owner:jalur_owner_dev@db:5432/jalur"
    )
    assert api_env["JALUR_REDIS_URL"] == "redis://redis:6379/0"


def test_passwords_and_signing_key_come_from_the_environment() -> None:
    config = docker_compose_config(
        {"JALUR_APP_PASSWORD": "s3cret", "JALUR_OWNER_PASSWORD": "0wn", "JALUR_JWT_SECRET": "k"}
    )
    api_env = config["services"]["api"]["environment"]
    db_env = config["services"]["db"]["environment"]
    assert api_env["JALUR_TEST_DATABASE_URL"] == (
        "postgresql+asyncpg://jalur_app:s3cret@db:5432/jalur_test"
    )
    assert api_env["JALUR_TEST_DATABASE_OWNER_URL"] == (
        "postgresql+asyncpg://jalur_owner:0wn@db:5432/jalur_test"
    )
    assert db_env["JALUR_APP_PASSWORD"] == "s3cret"
    assert db_env["JALUR_OWNER_PASSWORD"] == "0wn"
    assert api_env["JALUR_JWT_SECRET"] == "k"


def test_dockerfile_installs_the_lock_on_python_311() -> None:
    dockerfile = (REPO_ROOT / "Dockerfile").read_text()
    assert dockerfile.startswith("# ") and "FROM python:3.11-slim\n" in dockerfile
    assert "RUN uv pip sync --system --require-hashes requirements.lock\n" in dockerfile
    ignored = (REPO_ROOT / ".dockerignore").read_text().split()
    assert {".git", ".venv", ".jalur"} <= set(ignored)
