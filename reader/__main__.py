"""`reader` and `python -m reader`."""

import gc
import sys

if __name__ == "__main__":
    # The collector stays off while the program loads (reader.cli.launch_app says why);
    # the app turns it on at its first frame, a command before it runs (reader.cli.main).
    gc.disable()
try:
    from reader.cli import main
except KeyboardInterrupt:  # Ctrl-C while Python loads the program: still one line
    print("reader: interrupted", file=sys.stderr)
    sys.exit(130)

if __name__ == "__main__":
    sys.exit(main())
