"""The README's Docker steps, checked without a Docker engine wherever that is possible.

The Dockerfile, compose.yaml and config/example.env are read as Docker would read them, and
checked against each other and the bot: the build context holds what COPY needs, the example
sets only settings the bot knows, the database lands on a volume the bot's user owns, the
healthcheck asks the port the bot listens on, the backups go to their own volume. Then the
real steps that run without Docker are run: the healthcheck command, one night after another
of the backup service's loop, the README's rollback, and (with a network) pip resolving the
image's install from requirements.lock. With CONSTELLATION_DOCKER_BUILD=1 and a Docker engine,
the image is built and started with the example configuration.
"""

from __future__ import annotations

import asyncio
import fnmatch
import json
import os
import re
import shlex
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import tomllib
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from bot.settings import Settings
from bot.storage.backup import backup
from bot.storage.checks import check_database
from bot.storage.db import Database
from bot.storage.migrations import LATEST

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_ENV = ROOT / "config" / "example.env"


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str


def dockerfile() -> list[Instruction]:
    """The Dockerfile's instructions, continuation lines joined, comments dropped."""
    instructions: list[Instruction] = []
    pending = ""
    for raw in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, arguments = (pending + line).partition(" ")
        instructions.append(Instruction(keyword.upper(), arguments.strip()))
        pending = ""
    return instructions


def image_environment() -> dict[str, str]:
    env: dict[str, str] = {}
    for instruction in dockerfile():
        if instruction.keyword == "ENV":
            for pair in shlex.split(instruction.arguments):
                key, _, value = pair.partition("=")
                env[key] = value
    return env


def image_user() -> str:
    users = [i.arguments for i in dockerfile() if i.keyword == "USER"]
    assert users, "the image must not run as root"
    return users[-1]


def env_file(path: Path) -> dict[str, str]:
    """Lines as ``docker run --env-file`` reads them: KEY=value, the value taken literally."""
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, separator, value = line.partition("=")
        assert separator, f"not KEY=value: {line!r}"
        values[key] = value
    return values


def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def service(name: str) -> dict[str, Any]:
    services = compose()["services"]
    assert name in services, f"compose.yaml has no service {name!r}"
    found = services[name]
    assert isinstance(found, dict)
    return found


def mounts(name: str) -> dict[str, str]:
    """A service's volume mounts: container path -> named volume."""
    found: dict[str, str] = {}
    for entry in service(name).get("volumes", []):
        volume, target, *_ = str(entry).split(":")
        found[target] = volume
    return found


def service_environment(name: str) -> dict[str, str]:
    environment = service(name).get("environment", {})
    assert isinstance(environment, dict), "environment as a mapping, please"
    return {str(k): str(v) for k, v in environment.items()}


def container_environment(name: str) -> dict[str, str]:
    """What the service's process sees with config/bot.env copied from the example:
    the image's ENV, then env_file, then environment (Compose's order of precedence)."""
    assert service(name)["env_file"] == "config/bot.env"
    return image_environment() | env_file(EXAMPLE_ENV) | service_environment(name)


def setting_names() -> set[str]:
    return {f"BOT_{field.upper()}" for field in Settings.model_fields}


def backup_script() -> str:
    """The backup service's shell loop, as the shell gets it ($$ is Compose's escaped $)."""
    command = service("backup")["command"]
    assert command[:2] == ["sh", "-c"]
    return str(command[2]).replace("$$", "$")


def run_lines() -> str:
    return "\n".join(i.arguments for i in dockerfile() if i.keyword == "RUN")


# ---- the build context -------------------------------------------------------------------


def ignored(relative: str, patterns: list[str]) -> bool:
    """.dockerignore's verdict for one path (the simple patterns this repository uses)."""
    verdict = False
    parts = PurePosixPath(relative).parts
    for pattern in patterns:
        negate = pattern.startswith("!")
        pattern = pattern.removeprefix("!").strip("/")
        # A pattern also excludes everything under a matching directory.
        if any(fnmatch.fnmatch("/".join(parts[:n]), pattern) for n in range(1, len(parts) + 1)):
            verdict = not negate
    return verdict


def dockerignore() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def copied_sources() -> list[tuple[str, str]]:
    """Every (source, destination) of the Dockerfile's COPY instructions."""
    pairs: list[tuple[str, str]] = []
    for instruction in dockerfile():
        if instruction.keyword == "COPY":
            *sources, destination = shlex.split(instruction.arguments)
            assert not any(s.startswith("--from") for s in sources)
            pairs += [(source, destination) for source in sources]
    return pairs


def test_the_build_context_holds_what_copy_needs() -> None:
    patterns = dockerignore()
    for source, _ in copied_sources():
        assert (ROOT / source).exists(), f"COPY {source}: not in the repository"
        assert not ignored(source, patterns), f"COPY {source}: excluded by .dockerignore"
        if (ROOT / source).is_dir():
            files = [p for p in (ROOT / source).rglob("*") if p.is_file()]
            kept = [p for p in files if not ignored(str(p.relative_to(ROOT)), patterns)]
            assert kept, f"COPY {source}: everything in it is excluded"
    # What pip needs to build the bot is copied; secrets never enter the build context.
    names = {source for source, _ in copied_sources()}
    assert {"requirements.lock", "pyproject.toml", "README.md", "bot"} <= names
    for secret in (".env", "config/bot.env", "data/constellation.db"):
        assert ignored(secret, patterns), f"{secret} would be sent to the Docker engine"


def test_the_image_installs_the_pinned_set_and_only_that() -> None:
    steps = run_lines()
    assert "pip install --require-hashes --no-deps -r requirements.lock" in steps
    assert "pip install --no-deps ." in steps
    assert "pip check" in steps
    # The lock is installed before the bot's code is copied: that layer survives code changes.
    keywords = [(i.keyword, i.arguments) for i in dockerfile()]
    lock_install = next(
        n for n, (k, a) in enumerate(keywords) if "requirements.lock" in a and k == "RUN"
    )
    code_copy = next(n for n, (k, a) in enumerate(keywords) if k == "COPY" and a.startswith("bot "))
    assert lock_install < code_copy


# ---- configuration -----------------------------------------------------------------------


def test_the_example_sets_only_settings_the_bot_knows() -> None:
    text = EXAMPLE_ENV.read_text(encoding="utf-8")
    active = env_file(EXAMPLE_ENV)
    documented = set(re.findall(r"^#\s*(BOT_[A-Z_]+)=", text, flags=re.MULTILINE))
    for name in set(active) | documented:
        assert name in setting_names(), f"{name} is not a setting of bot/settings.py"
    for name, value in active.items():
        # docker run --env-file takes values literally: quotes or a trailing comment would
        # become part of the value (Compose would strip them: the two would disagree).
        assert value == value.strip() and not value.startswith(("'", '"')), name
        assert " #" not in value, name
    for name in ("bot", "backup"):
        for variable in service_environment(name):
            assert variable.startswith("BOT_") is (variable in setting_names()), variable


def test_the_database_lands_on_a_volume_the_bot_user_owns() -> None:
    for name in ("bot", "backup"):
        database = PurePosixPath(container_environment(name)["BOT_DATABASE_PATH"])
        assert database.is_absolute(), "relative to /app, which the bot's user may not write"
        assert str(database.parent) in mounts(name), f"{name}: {database} is not on a volume"
    user = image_user()
    steps = run_lines()
    for directory in ("/data", "/backups"):
        # A new named volume copies the image directory's owner and mode.
        assert re.search(rf"mkdir -p [^&]*{directory}\b", steps), directory
        assert re.search(rf"chown {user}:{user} [^&]*{directory}\b", steps), directory
    # Nothing done to the directories after VOLUME would stay; the bot never runs as root.
    keywords = [i.keyword for i in dockerfile()]
    last_run = max(n for n, k in enumerate(keywords) if k == "RUN")
    assert keywords.index("USER") > last_run and keywords.index("VOLUME") > last_run
    # matplotlib's font cache (reports) needs a directory the bot's user may write.
    assert image_environment()["MPLCONFIGDIR"].startswith("/tmp/")  # noqa: S108 (any user's)


def test_both_services_come_back_by_themselves() -> None:
    for name in ("bot", "backup"):
        assert service(name)["restart"] == "unless-stopped"
    volumes = compose()["volumes"]
    assert set(mounts("bot").values()) | set(mounts("backup").values()) <= set(volumes)


# ---- the healthcheck ---------------------------------------------------------------------


def healthcheck_command() -> list[str]:
    test = service("bot")["healthcheck"]["test"]
    assert test[0] == "CMD", "exec form: the slim image needs no shell or curl"
    return [str(part) for part in test[1:]]


class Health(BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:
        self.send_response(self.status if self.path == "/healthz" else 404)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass


@contextmanager
def health_server(status: int) -> Iterator[int]:
    handler = type("Answer", (Health,), {"status": status})
    with HTTPServer(("127.0.0.1", 0), handler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield server.server_address[1]
        finally:
            server.shutdown()
            thread.join()


def test_the_healthcheck_asks_the_port_the_bot_listens_on() -> None:
    command = healthcheck_command()
    urls = re.findall(r"http://127\.0\.0\.1:(\d+)/healthz", " ".join(command))
    assert len(urls) == 1
    assert urls[0] == container_environment("bot")["BOT_HEALTH_PORT"]
    assert "BOT_HEALTH_PORT" in setting_names(), "bot/settings.py must know BOT_HEALTH_PORT"


@pytest.mark.parametrize(("status", "healthy"), [(200, True), (503, False)])
def test_the_healthcheck_command_runs_in_a_plain_python(status: int, healthy: bool) -> None:
    command = healthcheck_command()
    assert command[0] == "python"
    with health_server(status) as port:
        script = command[2].replace(":8080/", f":{port}/")
        # -I: the interpreter alone, as in python:3.12-slim (nothing of this project's venv).
        result = subprocess.run(  # noqa: S603 (our own interpreter, compose.yaml's line)
            [sys.executable, "-I", "-c", script],
            capture_output=True,
            timeout=30,
            check=False,
        )
    assert (result.returncode == 0) is healthy


# ---- backups -----------------------------------------------------------------------------


def shell(script: str, **options: Any) -> subprocess.CompletedProcess[str]:
    """``sh -c script``: the line a container's shell would run."""
    sh = shutil.which("sh")
    assert sh
    return subprocess.run(  # noqa: S603 (a line from compose.yaml or the README)
        [sh, "-c", script], capture_output=True, text=True, timeout=120, check=False, **options
    )


def test_the_backup_service_writes_to_its_own_volume() -> None:
    bot, backups = mounts("bot"), mounts("backup")
    assert backups["/data"] == bot["/data"], "the backup service must see the bot's database"
    assert backups["/backups"] not in bot.values(), "backups on their own volume"
    assert backups["/backups"] != backups["/data"]
    script = backup_script()
    assert re.search(r"constellation-bot backup \"?/backups/", script)
    assert int(service_environment("backup")["BACKUP_KEEP"]) >= 1


def fake_tools(directory: Path, nights: int) -> None:
    """``sleep`` returns at once and ends the loop after ``nights`` nights; ``date`` says a
    new day every night, so the loop runs in a second."""
    directory.mkdir()
    sleep = directory / "sleep"
    sleep.write_text(
        "#!/bin/sh\n"
        f'n=$(cat "{directory}/sleeps" 2>/dev/null || echo 0); n=$((n + 1))\n'
        f'echo "$n" > "{directory}/sleeps"\n'
        # Two sleeps a night (until 03:00, then a minute): stop before the next night's.
        f'if [ "$n" -gt {2 * nights} ]; then kill -TERM "$PPID"; fi\n',
        encoding="utf-8",
    )
    date = directory / "date"
    date.write_text(
        "#!/bin/sh\n"
        'case "$*" in *%s*) echo 0; exit 0;; esac\n'
        f'n=$(cat "{directory}/days" 2>/dev/null || echo 0); n=$((n + 1))\n'
        f'echo "$n" > "{directory}/days"\n'
        'printf "2026-01-%02d\\n" "$n"\n',
        encoding="utf-8",
    )
    for tool in (sleep, date):
        tool.chmod(0o755)


async def test_the_nightly_backup_keeps_the_newest_copies(tmp_path: Path) -> None:
    data, backups = tmp_path / "data", tmp_path / "backups"
    database = data / "constellation.db"
    db = Database(database)
    await db.open()
    await db.close()
    backups.mkdir()
    kept_by_hand = backups / "before-upgrade-2025-12-31.db"
    backup(database, kept_by_hand)
    fake_tools(tmp_path / "fake", nights=5)

    bin_directory = Path(sys.executable).parent
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    env |= {
        "PATH": f"{tmp_path / 'fake'}:{bin_directory}:{env.get('PATH', '/usr/bin:/bin')}",
        "BOT_DATABASE_PATH": str(database),
        "BACKUP_KEEP": "3",
    }
    script = backup_script().replace("/backups/", f"{backups}/")
    result = await asyncio.to_thread(shell, script, cwd=tmp_path, env=env)
    assert result.returncode != 0  # ended by the fake sleep, as docker compose stop would
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stdout.count("Backup written to") == 5, result.stdout + result.stderr
    assert sorted(p.name for p in backups.glob("*.db")) == [
        "before-upgrade-2025-12-31.db",  # a copy made by hand is never rotated away
        "constellation-2026-01-03.db",
        "constellation-2026-01-04.db",
        "constellation-2026-01-05.db",
    ]
    check_database(backups / "constellation-2026-01-05.db")


# ---- upgrades: the README's rollback, run -----------------------------------------------


def readme_section(title: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index(f"\n### {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def shell_blocks(section: str) -> list[str]:
    return re.findall(r"```sh\n(.*?)```", section, flags=re.DOTALL)


def test_the_readme_names_the_files_and_services_that_exist() -> None:
    text = readme_section("Docker") + readme_section("Upgrading, and going back")
    services = set(compose()["services"])
    for used in re.findall(r"docker compose (?:exec|run --rm --no-deps|logs|cp) (\w+)", text):
        assert used in services, used
    assert f"cp config/example.env {service('bot')['env_file']}" in text
    for path in re.findall(r"(/backups/[\w.$(){}%+-]+|/data/[\w.-]+)", text):
        top = "/" + path.split("/")[1]
        assert top in mounts("backup"), path


def rollback_command() -> str:
    """The restore step of the README's rollback, as the shell inside the container gets it."""
    blocks = shell_blocks(readme_section("Upgrading, and going back"))
    joined = "\n".join(blocks).replace("\\\n", " ")
    found = re.search(r"docker compose run --rm --no-deps backup sh -c\s+'([^']*)'", joined)
    assert found, "the README's rollback restores with the backup service"
    return found.group(1)


async def test_the_readme_rollback_brings_back_the_database_before_the_upgrade(
    tmp_path: Path,
) -> None:
    data, backups = tmp_path / "data", tmp_path / "backups"
    database = data / "constellation.db"
    db = Database(database)
    await db.open()
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO constellations (chat_id, name, language, timezone, link_token,"
            " created_at) VALUES (-1, 'De Linde', 'nl', 'Europe/Amsterdam', 'x', '2026-01-01')"
        )
    await db.close()
    command = rollback_command()
    name = re.search(r"/backups/([\w.-]+)", command)
    assert name
    backup(database, backups / name.group(1))

    # The new version ran: a newer schema, a row only it wrote, its write-ahead log still there.
    with closing(sqlite3.connect(database)) as newer:
        newer.execute("PRAGMA journal_mode=WAL")
        newer.execute("PRAGMA wal_autocheckpoint=0")
        newer.execute("UPDATE constellations SET name = 'Na de upgrade'")
        newer.execute(f"PRAGMA user_version = {LATEST + 1}")
        newer.commit()
        shutil.copy(database.with_name("constellation.db-wal"), tmp_path / "wal")
    shutil.copy(tmp_path / "wal", database.with_name("constellation.db-wal"))

    script = command.replace("/backups/", f"{backups}/").replace("/data/", f"{data}/")
    restored_by = await asyncio.to_thread(shell, script)
    assert restored_by.returncode == 0, restored_by.stderr

    check_database(database)  # the old version starts on it
    restored = Database(database)
    await restored.open()
    try:
        assert await restored.schema_version() == LATEST
        rows = await restored.reader.fetch_all("SELECT name FROM constellations")
        assert [row[0] for row in rows] == ["De Linde"]
    finally:
        await restored.close()


# ---- the lock ----------------------------------------------------------------------------


def locked() -> dict[str, list[tuple[str, str]]]:
    """requirements.lock: name -> [(version, environment marker)]."""
    pins: dict[str, list[tuple[str, str]]] = {}
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        found = re.match(r"^([A-Za-z0-9_.-]+)==([^\s;\\]+)\s*(?:;\s*([^\\]+?))?\s*\\?$", line)
        if found:
            name, version, marker = found.groups()
            pins.setdefault(canonicalize_name(name), []).append((version, marker or ""))
    return pins


def runtime_requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [Requirement(text) for text in project["dependencies"]]


def test_the_lock_pins_every_runtime_dependency_within_its_range() -> None:
    pins = locked()
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    assert (
        "uv pip compile pyproject.toml --universal --generate-hashes -o requirements.lock" in text
    )
    for requirement in runtime_requirements():
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement.name} is not pinned in requirements.lock"
        for version, _ in pins[name]:
            assert requirement.specifier.contains(version), f"{name}=={version} vs {requirement}"
    # Every pin carries its hash.
    entries = re.split(r"\n(?=[A-Za-z0-9])", text)
    for entry in entries:
        if "==" in entry.split("\n")[0]:
            assert "--hash=sha256:" in entry, entry.split("\n")[0]


def online() -> bool:
    try:
        socket.create_connection(("pypi.org", 443), timeout=3).close()
    except OSError:
        return False
    return True


def pip_dry_run(*arguments: str | Path, report: Path) -> dict[str, str]:
    """``pip install --dry-run`` with this interpreter's pip, nothing installed; what it would
    install, name -> version."""
    pip = [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet"]
    result = subprocess.run(  # noqa: S603 (our own interpreter's pip, fixed arguments)
        [*pip, "--report", str(report), *map(str, arguments)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    install = json.loads(report.read_text(encoding="utf-8"))["install"]
    return {
        canonicalize_name(item["metadata"]["name"]): item["metadata"]["version"] for item in install
    }


def test_the_image_install_resolves_from_the_lock(tmp_path: Path) -> None:
    """The Dockerfile's two pip steps, dry: the hashed lock, then the bot from the build
    context (only what COPY puts there) with every dependency inside the pins."""
    if not online():
        pytest.skip("no network: pip cannot reach pypi.org to resolve requirements.lock")
    context = tmp_path / "app"
    patterns = dockerignore()
    for source, _ in copied_sources():
        path = ROOT / source
        if path.is_dir():
            shutil.copytree(
                path,
                context / source,
                ignore=lambda d, names: (
                    [n for n in names if ignored(str((Path(d) / n).relative_to(ROOT)), patterns)]
                    + ["__pycache__"]
                ),
            )
        else:
            context.mkdir(exist_ok=True)
            shutil.copy(path, context / source)

    pinned = pip_dry_run(
        "--require-hashes", "--no-deps", "-r", context / "requirements.lock", report=tmp_path / "1"
    )
    # pip takes no hashes in a constraints file next to a local directory: the same pins bare.
    bare = tmp_path / "constraints.txt"
    bare.write_text(
        "\n".join(
            f"{name}=={version}" + (f"; {marker}" if marker else "")
            for name, versions in locked().items()
            for version, marker in versions
        ),
        encoding="utf-8",
    )
    resolved = pip_dry_run("-c", bare, context, report=tmp_path / "2")
    assert resolved.pop("constellation-bot") == "0.1.0"
    assert resolved == pinned, "the bot needs a package the lock does not pin (or vice versa)"


# ---- the real image, where there is an engine --------------------------------------------


@pytest.mark.skipif(
    os.environ.get("CONSTELLATION_DOCKER_BUILD") != "1" or shutil.which("docker") is None,
    reason="builds the image: set CONSTELLATION_DOCKER_BUILD=1 where a Docker engine runs",
)
def test_the_image_starts_with_the_example_configuration() -> None:
    tag = "constellation-bot:test-docker-steps"
    docker = shutil.which("docker")
    assert docker
    subprocess.run([docker, "build", "-t", tag, str(ROOT)], check=True, timeout=1800)  # noqa: S603
    probe = (
        "from bot.settings import load_settings; s = load_settings(); print(s.database_path);"
        " import matplotlib.pyplot"
    )
    result = subprocess.run(  # noqa: S603 (our own image, a fixed line of code)
        [docker, "run", "--rm", "--env-file", str(EXAMPLE_ENV), tag, "python", "-c", probe],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "/data/constellation.db"
