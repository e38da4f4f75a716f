"""The `vizrun` console script: replaces this Python process with the bundled binary, so the
command behaves exactly as the binary does (arguments, exit status, signals, a terminal's
progress line) and Python stays out of the run."""

import os
import sys


def main():
    from vizrun import binary
    path = binary()
    os.execv(path, [path, *sys.argv[1:]])


if __name__ == "__main__":
    main()
