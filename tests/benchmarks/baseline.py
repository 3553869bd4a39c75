"""newsboat as the yardstick, run with a private urls file, config and cache in a temp folder.

HOME and every XDG folder point into that folder too, so the user's own newsboat setup is
never read or written.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
import time
from pathlib import Path

NOT_INSTALLED = "newsboat not installed: ratio not measured"


def newsboat_path() -> str | None:
    return shutil.which("newsboat")


def newsboat_version() -> str | None:
    binary = newsboat_path()
    if binary is None:
        return None
    done = subprocess.run([binary, "--version"], capture_output=True, text=True, check=False,
                          env=private_env(Path(tempfile.mkdtemp(prefix="newsboat-version-"))))
    first = (done.stdout or "").splitlines()
    return first[0].split(" - ")[0] if first else "newsboat (version unknown)"


def private_env(home: Path) -> dict[str, str]:
    """A clean environment: private HOME/XDG folders, no proxy (everything is 127.0.0.1)."""
    env = {key: value for key, value in os.environ.items()
           if not key.lower().endswith("_proxy") and not key.startswith("XDG_")}
    env["HOME"] = str(home)
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        folder = home / "xdg" / name.lower()
        folder.mkdir(parents=True, exist_ok=True)
        env[name] = str(folder)
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    return env


class Newsboat:
    """One newsboat setup (urls, config with `reload-threads 8`, cache) in `folder`."""

    def __init__(self, folder: Path, urls: list[str], *, threads: int = 8) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.urls = folder / "urls"
        self.urls.write_text("\n".join(urls) + "\n", encoding="utf-8")
        self.config = folder / "config"
        self.config.write_text(f"reload-threads {threads}\n", encoding="utf-8")
        self.cache = folder / "cache.db"
        self.env = private_env(folder)
        self.binary = newsboat_path() or "newsboat"

    def reset_cache(self) -> None:
        for suffix in ("", "-journal", "-wal", "-shm", ".lock"):
            Path(str(self.cache) + suffix).unlink(missing_ok=True)

    def reload(self, timeout: float = 600) -> float:
        """`newsboat -x reload`; returns its wall time in seconds."""
        command = [self.binary, "-u", str(self.urls), "-c", str(self.cache),
                   "-C", str(self.config), "-x", "reload"]
        started = time.perf_counter()
        done = subprocess.run(command, env=self.env, cwd=self.folder, stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=timeout)
        elapsed = time.perf_counter() - started
        if done.returncode != 0:
            message = (done.stderr or done.stdout).decode(errors="replace").strip()
            raise RuntimeError(f"newsboat failed ({done.returncode}): {message[-300:]}")
        return elapsed

    def analyze(self) -> None:
        """What the issue calls an analyzed cache: newsboat as shipped never runs ANALYZE."""
        with sqlite3.connect(self.cache) as conn:
            conn.execute("ANALYZE")

    def item_count(self) -> int:
        with sqlite3.connect(self.cache) as conn:
            return conn.execute("SELECT count(*) FROM rss_item").fetchone()[0]
