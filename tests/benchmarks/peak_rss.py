"""Run a command in this terminal, then write its peak resident memory (KiB) to a file.

`python -m tests.benchmarks.peak_rss OUT -- COMMAND...`: the command inherits the terminal, so
it runs as a user would run it; getrusage(RUSAGE_CHILDREN) gives the child's high-water mark.
"""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] != "--":
        print("usage: python -m tests.benchmarks.peak_rss OUT -- COMMAND...", file=sys.stderr)
        return 2
    out, command = Path(argv[0]), argv[2:]
    status = subprocess.run(command, check=False).returncode
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out.write_text(f"{peak_kib} {status}\n", encoding="ascii")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
