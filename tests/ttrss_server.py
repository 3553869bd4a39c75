"""A private Tiny Tiny RSS on 127.0.0.1 for the sync tests: Debian's own package, a private
PostgreSQL cluster, `php -S`, and a feed server that TT-RSS reaches through its proxy setting.

What it does and why (each seen on Debian 12, tt-rss 21~git20210204):
- TT-RSS refuses feed URLs on 127.*/localhost and on ports other than 80/443, so feeds have a
  made-up host (`http://feeds.invalid/a.xml`) and `_HTTP_PROXY` points at our feed server,
  which answers proxy-style requests (`GET http://feeds.invalid/a.xml`).
- PostgreSQL's initdb refuses root: as root, the cluster and the web server run as `nobody`
  (runuser), in a folder that user owns.
- API access is off per user until ENABLE_API_ACCESS is set: done in SQL.
- Installing takes about 50 s (41 packages); starting an instance about 1 s.
"""

from __future__ import annotations

import hashlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from tests.httpserver import LocalServer, Reply

PACKAGES = ("tt-rss", "php-cgi", "php-pgsql", "php-curl", "dbconfig-pgsql", "postgresql-15")
PGBIN = Path("/usr/lib/postgresql/15/bin")
WEB_TREE = Path("/usr/share/tt-rss/www")
SCHEMA = Path("/usr/share/tt-rss/schema/ttrss_schema_pgsql.sql")
# Answers given to debconf so installing configures nothing system-wide (no database, no
# web server): the private instance below is the only one.
DEBCONF = (
    "tt-rss tt-rss/dbconfig-install boolean false\n"
    "tt-rss tt-rss/database-type select pgsql\n"
    "tt-rss tt-rss/reconfigure-webserver multiselect\n"
)
USERS = {"alice": "alicepw", "bob": "bobpw"}


def _installed() -> bool:
    return (WEB_TREE.is_dir() and SCHEMA.is_file() and (PGBIN / "initdb").exists()
            and shutil.which("php") is not None and shutil.which("psql") is not None)


def ensure_installed() -> str | None:
    """Install the Debian packages when missing (as root, as CI runs); None when ready, else
    the reason they cannot be had."""
    if _installed():
        return None
    if os.geteuid() != 0:
        return ("Tiny Tiny RSS is not installed and installing needs root: "
                "apt-get install " + " ".join(PACKAGES))
    if shutil.which("apt-get") is None:
        return "Tiny Tiny RSS is not installed and this machine has no apt-get"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    steps = (
        (["debconf-set-selections"], DEBCONF),
        (["apt-get", "update", "-qq"], None),
        (["apt-get", "install", "-y", "-q", "--no-install-recommends", *PACKAGES], None),
    )
    for argv, stdin in steps:
        try:
            done = subprocess.run(argv, input=stdin, capture_output=True, text=True, env=env,
                                  timeout=900)
        except (OSError, subprocess.TimeoutExpired) as error:
            return f"installing Tiny Tiny RSS failed: {' '.join(argv)}: {error}"
        if done.returncode != 0:
            tail = " ".join((done.stderr or done.stdout).split())[-300:]
            return f"installing Tiny Tiny RSS failed: {' '.join(argv[:2])}: {tail}"
    return None if _installed() else "Tiny Tiny RSS packages installed but files are missing"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TTRSS:
    """One running instance: `url` is the API endpoint; `feeds` serves feeds.invalid."""

    def __init__(self) -> None:
        self.base = Path(tempfile.mkdtemp(prefix="reader-ttrss-", dir="/tmp"))
        self.pg_port = free_port()
        self.web_port = free_port()
        self.feeds = LocalServer()
        self._php: subprocess.Popen | None = None
        self._as: list[str] = []
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            os.chown(self.base, nobody.pw_uid, nobody.pw_gid)
            self._as = ["runuser", "-u", "nobody", "--"]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}/api/"

    def _run(self, *argv: str, stdin: str | None = None) -> str:
        done = subprocess.run([*self._as, *argv], input=stdin, capture_output=True, text=True,
                              timeout=120, cwd=self.base)
        if done.returncode != 0:
            raise RuntimeError(f"{argv[0]} failed: {done.stderr.strip()[-500:]}")
        return done.stdout

    def psql(self, sql: str, database: str = "ttrss") -> str:
        return self._run("psql", "-qAt", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
                         "-p", str(self.pg_port), "-U", "postgres", "-d", database, "-c", sql)

    def start(self) -> TTRSS:
        self.feeds.start()
        base = self.base
        self._run("mkdir", "-p", *(str(base / sub) for sub in (
            "sock", "lock", "cache/images", "cache/upload", "cache/export", "cache/js")))
        self._run(str(PGBIN / "initdb"), "-D", str(base / "pg"), "-A", "trust", "-U",
                  "postgres", "-E", "UTF8", "--locale=C.UTF-8")
        self._run(str(PGBIN / "pg_ctl"), "-D", str(base / "pg"), "-l", str(base / "pg.log"),
                  "-w", "-o", f"-c listen_addresses=127.0.0.1 -p {self.pg_port} "
                  f"-k {base / 'sock'} -c fsync=off -c full_page_writes=off", "start")
        self.psql("CREATE DATABASE ttrss ENCODING 'UTF8'", database="postgres")
        self._run("psql", "-qAt", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p",
                  str(self.pg_port), "-U", "postgres", "-d", "ttrss", "-f", str(SCHEMA))
        self._run("cp", "-rL", str(WEB_TREE), str(base / "www"))
        self._run("rm", "-rf", str(base / "www/config.php"), str(base / "www/feed-icons"))
        self._run("mkdir", str(base / "www/feed-icons"))
        self._run("tee", str(base / "www/config.php"), stdin=self._config())
        for login, password in USERS.items():
            digest = hashlib.sha1(password.encode()).hexdigest()
            self.psql("INSERT INTO ttrss_users (login, pwd_hash, access_level, created) "
                      f"VALUES ('{login}', 'SHA1:{digest}', 0, NOW())")
        self.psql("INSERT INTO ttrss_user_prefs (owner_uid, pref_name, profile, value) "
                  "SELECT id, 'ENABLE_API_ACCESS', NULL, 'true' FROM ttrss_users")
        try:
            self.start_web()
        except RuntimeError:
            self.stop()
            raise
        return self

    def _config(self) -> str:
        text = (WEB_TREE / "config.php").read_text()
        replacements = {
            "include_once('/etc/tt-rss/database.php');":
                f"$dbtype='pgsql';$dbserver='127.0.0.1';$dbport='{self.pg_port}';"
                "$dbuser='postgres';$dbpass='';$dbname='ttrss';",
            "define('CHECK_FOR_UPDATES', true);": "define('CHECK_FOR_UPDATES', false);",
        }
        for old, new in replacements.items():
            text = text.replace(old, new)
        lines = []
        for line in text.splitlines():
            stripped = line.strip()
            if stripped.startswith("define('SELF_URL_PATH'"):
                line = (f"\tdefine('SELF_URL_PATH', 'http://127.0.0.1:{self.web_port}/');\n"
                        f"\tdefine('_HTTP_PROXY', '127.0.0.1:{self.feeds.port}');")
            elif stripped.startswith("define('LOCK_DIRECTORY'"):
                line = f"\tdefine('LOCK_DIRECTORY', '{self.base / 'lock'}');"
            elif stripped.startswith("define('CACHE_DIR'"):
                line = f"\tdefine('CACHE_DIR', '{self.base / 'cache'}');"
            lines.append(line)
        return "\n".join(lines) + "\n"

    def add_user(self, login: str, password: str) -> None:
        """A user with API access (each test gets its own, so tests do not see each other)."""
        digest = hashlib.sha1(password.encode()).hexdigest()
        self.psql("INSERT INTO ttrss_users (login, pwd_hash, access_level, created) "
                  f"VALUES ('{login}', 'SHA1:{digest}', 0, NOW())")
        self.psql("INSERT INTO ttrss_user_prefs (owner_uid, pref_name, profile, value) "
                  f"SELECT id, 'ENABLE_API_ACCESS', NULL, 'true' FROM ttrss_users "
                  f"WHERE login = '{login}'")

    def bulk_items(self, login: str, feed_id: int, count: int, prefix: str) -> None:
        """Many articles at once, straight into the database (TT-RSS's own fetcher takes
        minutes for 10,000); the titles are `prefix N`."""
        self.psql(
            "WITH made AS (INSERT INTO ttrss_entries (title, guid, link, updated, content, "
            "content_hash, date_entered, date_updated) SELECT "
            f"'{prefix} ' || n, '{prefix}-' || n || '-' || {feed_id}, "
            f"'https://example.org/{prefix}/' || n, NOW() - n * interval '1 second', "
            f"'<p>{prefix} ' || n || ' body</p>', 'h' || n, NOW(), NOW() "
            f"FROM generate_series(1, {count}) AS n RETURNING id) "
            "INSERT INTO ttrss_user_entries (ref_id, uuid, feed_id, owner_uid, tag_cache, "
            f"label_cache, unread) SELECT made.id, '', {feed_id}, "
            f"(SELECT id FROM ttrss_users WHERE login = '{login}'), '', '', true FROM made")

    def stop_web(self) -> None:
        """The server goes down (connections refused) until start_web()."""
        if self._php is not None and self._php.poll() is None:
            self._php.terminate()
            self._php.wait(10)

    def start_web(self) -> None:
        # opcache: php -S compiles TT-RSS's classes on every request without it
        self._php = subprocess.Popen(
            [*self._as, "php", "-d", "opcache.enable_cli=1", "-S",
             f"127.0.0.1:{self.web_port}", "-t", str(self.base / "www")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=self.base)
        self._wait_web()

    def _wait_web(self) -> None:
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(self.url, timeout=2).read()
                return
            except OSError:
                if time.monotonic() > deadline or self._php is None or \
                        self._php.poll() is not None:
                    raise RuntimeError("php -S did not answer on " + self.url) from None
                time.sleep(0.1)

    def serve_feed(self, url: str, body: str) -> str:
        """Serve `body` at `url` (http://feeds.invalid/...), as TT-RSS asks its proxy."""
        self.feeds.route(url, Reply(200, body, content_type="application/rss+xml"))
        return url

    def stop(self) -> None:
        if self._php is not None and self._php.poll() is None:
            self._php.terminate()
            try:
                self._php.wait(10)
            except subprocess.TimeoutExpired:
                self._php.kill()
        if (self.base / "pg" / "postmaster.pid").exists():
            subprocess.run([*self._as, str(PGBIN / "pg_ctl"), "-D", str(self.base / "pg"),
                            "-m", "immediate", "-w", "stop"], capture_output=True, timeout=60)
        try:
            self.feeds.stop()
        except Exception:
            pass
        shutil.rmtree(self.base, ignore_errors=True)


if __name__ == "__main__":
    # `python3 -m tests.ttrss_server [--install]`: install the packages when missing (as
    # root, as .ci/run does), then (without --install) start and stop one instance.
    import sys

    reason = ensure_installed()
    if reason:
        raise SystemExit(reason)
    if "--install" in sys.argv:
        raise SystemExit(0)
    started = time.monotonic()
    server = TTRSS().start()
    print(f"TT-RSS at {server.url} in {time.monotonic() - started:.1f} s")
    server.stop()
