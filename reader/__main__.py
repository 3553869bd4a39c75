"""`reader` and `python -m reader`."""

import sys

try:
    from reader.cli import main
except KeyboardInterrupt:  # Ctrl-C while Python loads the program: still one line
    print("reader: interrupted", file=sys.stderr)
    sys.exit(130)

if __name__ == "__main__":
    sys.exit(main())
