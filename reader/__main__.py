"""`reader` and `python -m reader`."""

import gc
import os
import sys

if __name__ == "__main__":
    # The collector stays off while the program loads (reader.cli.launch_app says why);
    # the app turns it on at its first frame, a command before it runs (reader.cli.main).
    gc.disable()
try:
    from reader import cli
except KeyboardInterrupt:  # Ctrl-C while Python loads the program: still one line
    print("reader: interrupted", file=sys.stderr)
    sys.exit(130)


def main() -> int:
    """Run the command line. After a command (not the app), the process ends as soon as its
    exit handlers have run and its output is flushed: tearing the interpreter down took
    another 70-140 ms after `reader refresh` printed its summary (issue 13), ~10% of a steady
    refresh."""
    code = cli.main()
    if "textual.app" in sys.modules:  # the app ran: its exit stays Python's own
        return code
    import atexit

    # What exit handlers do still happens (logging flushed, the parsing workers' semaphores
    # released, or the resource tracker warns about them); only the teardown of every module
    # is skipped.
    atexit._run_exitfuncs()  # noqa: SLF001
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:  # `reader list | head`: what was read is all that matters
        pass
    os._exit(code)


if __name__ == "__main__":
    sys.exit(main())
