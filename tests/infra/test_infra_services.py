"""scripts/services: idempotent, honest about bad URLs, and leaves the roles the contract needs."""

import os
import shutil
import socket
import subprocess
from pathlib import Path

import psycopg
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SERVICES = REPO_ROOT / "scripts" / "services"


def run_services(env_file: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    """Run scripts/services writing to env_file, with only the given JALUR_ variables set."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("JALUR_")}
    env.update(variables, JALUR_ENV_FILE=str(env_file))
    return subprocess.run(
        [str(SERVICES)], env=env, capture_output=True, text=True, timeout=300, check=False
    )


def read_env_file(path: Path) -> dict[str, str]:
    """Parse a KEY=VALUE file."""
    return dict(line.split("=", 1) for line in path.read_text().splitlines())


def libpq_url(sqlalchemy_url: str) -> str:
    """Turn a postgresql+asyncpg:// URL into one libpq accepts."""
    return sqlalchemy_url.replace("postgresql+asyncpg://", "postgresql://", 1)


def closed_local_port() -> int:
    """Return a loopback port that nothing listens on (bound then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture(scope="module")
def local_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Run scripts/services against the local services once and return the file it wrote."""
    if shutil.which("pg_lsclusters") is None:
        pytest.skip("no local Debian PostgreSQL cluster on this machine")
    env_file = tmp_path_factory.mktemp("services") / "env"
    completed = run_services(env_file)
    assert completed.returncode == 0, completed.stderr
    return read_env_file(env_file)


def test_local_run_writes_the_contract_urls(local_env: dict[str, str]) -> None:
    assert local_env == {
        "JALUR_DATABASE_URL": "postgresql+asyncpg://jalur_app@127.0.0.1:5432/jalur",
        "JALUR_DATABASE_OWNER_URL": "postgresql+asyncpg://jalur_owner@127.0.0.1:5432/jalur",
        "JALUR_TEST_DATABASE_URL": "postgresql+asyncpg://jalur_app@127.0.0.1:5432/jalur_test",
        "JALUR_TEST_DATABASE_OWNER_URL": (
            "postgresql+asyncpg://jalur_owner@127.0.0.1:5432/jalur_test"
        ),
        "JALUR_REDIS_URL": "redis://127.0.0.1:6379/0",
        "JALUR_TEST_REDIS_URL": "redis://127.0.0.1:6379/15",
    }


def test_second_run_is_idempotent(local_env: dict[str, str], tmp_path: Path) -> None:
    env_file = tmp_path / "env"
    completed = run_services(env_file)
    assert completed.returncode == 0, completed.stderr
    assert read_env_file(env_file) == local_env
    assert "PostgreSQL 15/main is running" in completed.stdout
    assert "apt-get" not in completed.stdout


def test_urls_from_the_environment_are_used_and_test_urls_derived(
    local_env: dict[str, str], tmp_path: Path
) -> None:
    env_file = tmp_path / "env"
    completed = run_services(
        env_file,
        JALUR_DATABASE_URL=local_env["JALUR_DATABASE_URL"],
        JALUR_DATABASE_OWNER_URL=local_env["JALUR_DATABASE_OWNER_URL"],
        JALUR_REDIS_URL=local_env["JALUR_REDIS_URL"],
    )
    assert completed.returncode == 0, completed.stderr
    assert "using the database from the environment" in completed.stdout
    assert "ensuring roles" not in completed.stdout
    assert read_env_file(env_file) == local_env


def test_unreachable_redis_url_stops_with_a_clear_message(tmp_path: Path) -> None:
    port = closed_local_port()
    env_file = tmp_path / "env"
    completed = run_services(env_file, JALUR_REDIS_URL=f"redis://127.0.0.1:{port}/0")
    assert completed.returncode == 1
    assert (
        f"services: ERROR: Redis at redis://127.0.0.1:{port}/0 (JALUR_REDIS_URL) is not reachable"
        in completed.stderr
    )
    assert not env_file.exists()


def test_unreachable_database_url_stops_and_hides_the_password(tmp_path: Path) -> None:
    port = closed_local_port()
    env_file = tmp_path / "env"
    completed = run_services(
        env_file,
        JALUR_DATABASE_URL=f"postgresql+asyncpg://jalur_app:hunter2@127.0.0.1:{port}/jalur",
        JALUR_DATABASE_OWNER_URL=f"postgresql+asyncpg://jalur_owner@127.0.0.1:{port}/jalur",
    )
    assert completed.returncode == 1
    assert (
        f"PostgreSQL at postgresql+asyncpg://jalur_app:***@127.0.0.1:{port}/jalur is not reachable"
        in completed.stderr
    )
    assert "hunter2" not in completed.stdout + completed.stderr
    assert not env_file.exists()


def test_database_url_without_owner_url_is_explained(tmp_path: Path) -> None:
    env_file = tmp_path / "env"
    completed = run_services(
        env_file, JALUR_DATABASE_URL="postgresql+asyncpg://jalur_app@127.0.0.1:5432/jalur"
    )
    assert completed.returncode == 1
    assert "JALUR_DATABASE_URL is set but JALUR_DATABASE_OWNER_URL is not" in completed.stderr
    assert not env_file.exists()


def test_roles_have_exactly_the_contract_attributes(local_env: dict[str, str]) -> None:
    with psycopg.connect(libpq_url(local_env["JALUR_DATABASE_OWNER_URL"])) as connection:
        rows = connection.execute(
            "SELECT rolname, rolcanlogin, rolsuper, rolbypassrls, rolcreatedb, rolcreaterole"
            " FROM pg_roles WHERE rolname LIKE 'jalur\\_%' ORDER BY rolname"
        ).fetchall()
    assert rows == [
        ("jalur_app", True, False, False, False, False),
        ("jalur_owner", True, False, False, True, False),
    ]


@pytest.mark.parametrize("database", ["jalur", "jalur_test"])
def test_database_is_owned_by_the_owner_with_postgis_and_default_grants(
    local_env: dict[str, str], database: str
) -> None:
    owner_url = libpq_url(local_env["JALUR_DATABASE_OWNER_URL"]).rsplit("/", 1)[0]
    with psycopg.connect(f"{owner_url}/{database}") as connection:
        owners = connection.execute(
            "SELECT pg_get_userbyid(d.datdba), pg_get_userbyid(n.nspowner)"
            " FROM pg_database d, pg_namespace n"
            " WHERE d.datname = current_database() AND n.nspname = 'public'"
        ).fetchone()
        postgis = connection.execute(
            "SELECT count(*) FROM pg_extension WHERE extname = 'postgis'"
        ).fetchone()
        privileges = connection.execute(
            "SELECT has_schema_privilege('jalur_app', 'public', 'USAGE'),"
            " has_schema_privilege('jalur_app', 'public', 'CREATE')"
        ).fetchone()
        default_grants = connection.execute(
            "SELECT a.defaclobjtype, a.defaclacl::text FROM pg_default_acl a"
            " JOIN pg_namespace n ON n.oid = a.defaclnamespace"
            " WHERE pg_get_userbyid(a.defaclrole) = 'jalur_owner' AND n.nspname = 'public'"
            " ORDER BY 1"
        ).fetchall()
    assert owners == ("jalur_owner", "jalur_owner")
    assert postgis == (1,)
    assert privileges == (True, False)
    assert default_grants == [
        ("S", "{jalur_app=rU/jalur_owner}"),
        ("f", "{jalur_app=X/jalur_owner}"),
        ("r", "{jalur_app=arwd/jalur_owner}"),
    ]


def test_app_role_may_use_tables_the_owner_creates_but_create_none(
    local_env: dict[str, str],
) -> None:
    owner_url = libpq_url(local_env["JALUR_TEST_DATABASE_OWNER_URL"])
    app_url = libpq_url(local_env["JALUR_TEST_DATABASE_URL"])
    # Never committed, so concurrent test runs on the shared database never see the probe.
    with psycopg.connect(owner_url) as owner:
        owner.execute("CREATE TABLE infra_probe (id serial PRIMARY KEY, note text)")
        table_privileges = owner.execute(
            "SELECT privilege, has_table_privilege('jalur_app', 'infra_probe', privilege)"
            " FROM unnest(array['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE',"
            " 'REFERENCES', 'TRIGGER']) AS privilege"
        ).fetchall()
        sequence_privileges = owner.execute(
            "SELECT has_sequence_privilege('jalur_app', 'infra_probe_id_seq', 'USAGE'),"
            " has_sequence_privilege('jalur_app', 'infra_probe_id_seq', 'UPDATE')"
        ).fetchone()
        owner.rollback()
    with psycopg.connect(app_url) as app, pytest.raises(psycopg.errors.InsufficientPrivilege):
        app.execute("CREATE TABLE infra_app_must_not_create (id int)")
    assert table_privileges == [
        ("SELECT", True),
        ("INSERT", True),
        ("UPDATE", True),
        ("DELETE", True),
        ("TRUNCATE", False),
        ("REFERENCES", False),
        ("TRIGGER", False),
    ]
    assert sequence_privileges == (True, False)


def path_without(tmp_path: Path, *hidden: str) -> str:
    """Return a PATH of symlinks to the system's commands, less the hidden ones."""
    sandbox = tmp_path / "bin"
    sandbox.mkdir()
    for folder in ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"):
        for command in Path(folder).iterdir() if Path(folder).is_dir() else []:
            link = sandbox / command.name
            if command.name not in hidden and not link.exists():
                link.symlink_to(command)
    return str(sandbox)


def test_no_database_anywhere_names_what_is_missing_and_the_install_command(
    tmp_path: Path,
) -> None:
    env_file = tmp_path / "env"
    completed = run_services(env_file, PATH=path_without(tmp_path, "pg_lsclusters", "docker"))
    assert completed.returncode == 1
    assert completed.stderr.strip().splitlines()[-1] == (
        "services: ERROR: missing: PostgreSQL (no local cluster, no JALUR_DATABASE_URL);"
        " and no Docker engine answers."
        " Install it with: apt-get install -y postgresql postgresql-15-postgis-3"
    )
    assert not env_file.exists()


def test_test_database_name_must_be_a_plain_sql_name(tmp_path: Path) -> None:
    env_file = tmp_path / "env"
    completed = run_services(env_file, JALUR_TEST_DATABASE_NAME='x"; DROP DATABASE jalur; --')
    assert completed.returncode == 1
    assert completed.stderr == (
        "services: ERROR: JALUR_TEST_DATABASE_NAME must be a lower-case SQL name\n"
    )
    assert not env_file.exists()
