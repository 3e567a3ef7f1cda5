"""Set-up: the environment is exactly the lock, and a newcomer's first commands work on a database never migrated."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from importlib import metadata

import pytest
from packaging.markers import Marker

from bot import PROJECT_ROOT
from bot.storage import migrate
from tests.conftest import PG_ENV, new_postgres_database


def canonicalize_name(name: str) -> str:
    """A distribution name as the lock writes it (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


LOCK = tomllib.loads((PROJECT_ROOT / "uv.lock").read_text(encoding="utf-8"))


def locked_versions() -> dict[str, str]:
    """Each locked package's version for this interpreter. A package the lock forks by environment (numpy: one
    version for Python 3.11, a newer one from 3.12 on) has one entry per fork, each with the markers it applies to."""
    locked = {}
    for package in LOCK["package"]:
        markers = package.get("resolution-markers")
        if markers and not any(Marker(marker).evaluate() for marker in markers):
            continue
        locked[canonicalize_name(package["name"])] = package["version"]
    return locked


LOCKED = locked_versions()


def test_installed_babel_is_the_locked_one():
    """The plural rules the catalogs are checked against are the CLDR of the locked Babel, not whatever is around."""
    import babel

    assert babel.__version__ == LOCKED["babel"]


def test_every_installed_dependency_has_its_locked_version():
    wrong = {}
    for dist in metadata.distributions():
        name = canonicalize_name(dist.metadata["Name"])
        if name in LOCKED and name != "jeonnam-bot" and dist.version != LOCKED[name]:
            wrong[name] = (dist.version, LOCKED[name])
    assert not wrong, f"installed ≠ locked: {wrong}"


def test_every_direct_dependency_is_installed():
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    wanted = [*project["project"]["dependencies"], *project["dependency-groups"]["dev"]]
    names = {canonicalize_name(re.split(r"[\s<>=!~;\[]", spec, maxsplit=1)[0]) for spec in wanted}
    missing = sorted(name for name in names if name not in LOCKED)
    assert not missing, f"in pyproject.toml but not in uv.lock: {missing}"
    for name in names:
        assert metadata.version(name) == LOCKED[name]


def _bot(*args: str, database_url: str, stdin: str = "") -> subprocess.CompletedProcess:
    snapshots = f"{database_url.rsplit('/', 1)[0]}/published".split("///", 1)[-1] if "sqlite" in database_url \
        else "/tmp/published-pg"
    env = {**os.environ, "DATABASE_URL": database_url, "TELEGRAM_BOT_TOKEN": "", "CONTENT_SNAPSHOT_DIR": snapshots}
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True,
                          cwd=PROJECT_ROOT, env=env, timeout=120)


@pytest.mark.parametrize("command", [["chat"], ["run", "--fallback-chat"]])
def test_first_run_on_a_never_migrated_sqlite_file_creates_it_and_chats(tmp_path, command):
    path = tmp_path / "new" / "bot.sqlite3"
    done = _bot(*command, database_url=f"sqlite:///{path}", stdin="1\nquit\n")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert "Please choose your language." in done.stdout
    assert "Something went wrong" not in done.stdout and "something went wrong" not in done.stdout
    assert migrate.revisions(f"sqlite+aiosqlite:///{path}")[0] == migrate.revisions(f"sqlite+aiosqlite:///{path}")[1]


def test_an_old_sqlite_database_is_upgraded_on_start(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.sqlite3'}"
    migrate.upgrade(url, "0001")
    done = _bot("chat", database_url=url, stdin="quit\n")
    assert done.returncode == 0 and "Traceback" not in done.stderr
    current, head = migrate.revisions(url)
    assert current == head != "0001"


@pytest.fixture
def empty_postgres_url():
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"{PG_ENV} is not set")
    url, drop = new_postgres_database(base, "bot_empty")
    yield url
    drop()


def test_a_never_migrated_postgres_database_stops_with_one_line_naming_the_command(empty_postgres_url):
    done = _bot("chat", database_url=empty_postgres_url, stdin="hello\nquit\n")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"The database was never migrated; this version needs {migrate.revisions(empty_postgres_url)[1]}. "
        "Run: python -m bot db upgrade"]
    assert "Hello" not in done.stdout


def test_an_unreachable_database_is_one_clear_line():
    done = _bot("chat", database_url="postgresql://postgres@127.0.0.1:9/none")
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Cannot open the database") and "DATABASE_URL" in lines[0]
