"""A throwaway PostgreSQL cluster for the database tests and the database benchmark.

Debian's ``postgresql`` package: ``initdb`` into a temporary folder (as the ``postgres`` user when
running as root, since the server refuses to run as root), a free port on 127.0.0.1, password
authentication (scram-sha-256), stopped and deleted on exit. `server_binaries` says why it cannot
start, so callers can skip with that reason.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


class Unavailable(RuntimeError):
    """The server cannot be started here; the message says why."""


@dataclass(frozen=True)
class Server:
    url: str  # of the database "shop", no password
    password: str
    port: int


def server_binaries() -> Path:
    """The folder holding initdb and pg_ctl, or `Unavailable`."""
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if not candidates or not (Path(candidates[-1]).parent / "pg_ctl").exists():
        raise Unavailable("PostgreSQL server binaries (initdb, pg_ctl) not found: install Debian's postgresql package")
    return Path(candidates[-1]).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def throwaway_server(*, database: str = "shop") -> Iterator[Server]:
    """Start a cluster, create `database`, set ``PGPASSWORD`` while it runs; stop and delete it after."""
    bindir = server_binaries()
    root = Path(tempfile.mkdtemp(prefix="segkit-pg-"))
    prefix: list[str] = []
    password = secrets.token_urlsafe(16)
    (root / "pw").write_text(password + "\n")
    if os.geteuid() == 0:  # the server refuses to run as root: run it as the postgres user
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(root)
            raise Unavailable("running as root and there is no 'postgres' user to run the server as") from None
        os.chown(root, user.pw_uid, user.pw_gid)
        os.chown(root / "pw", user.pw_uid, -1)
        prefix = ["runuser", "-u", "postgres", "--"]
    data, port = root / "data", _free_port()

    def call(*args: str) -> None:
        subprocess.run([*prefix, *args], check=True, capture_output=True, text=True)

    try:
        call(
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            "segkit",
            "-A",
            "scram-sha-256",
            f"--pwfile={root / 'pw'}",
            "-E",
            "UTF8",
        )
        options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
        call(str(bindir / "pg_ctl"), "-D", str(data), "-l", str(root / "server.log"), "-w", "-o", options, "start")
    except subprocess.CalledProcessError as error:
        shutil.rmtree(root, ignore_errors=True)
        raise Unavailable(f"could not start a throwaway PostgreSQL server: {error.stderr.strip()[:300]}") from None
    saved = os.environ.get("PGPASSWORD")
    os.environ["PGPASSWORD"] = password  # libpq's convention; never in a URL or a config
    try:
        from adbc_driver_postgresql import dbapi

        with dbapi.connect(f"postgresql://segkit@127.0.0.1:{port}/postgres", autocommit=True) as conn:
            with conn.cursor() as cur:
                cur.execute(f"CREATE DATABASE {database}")
        yield Server(url=f"postgresql://segkit@127.0.0.1:{port}/{database}", password=password, port=port)
    finally:
        if saved is None:
            os.environ.pop("PGPASSWORD", None)
        else:
            os.environ["PGPASSWORD"] = saved
        subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)
