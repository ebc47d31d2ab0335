"""python -m linrec info|bench ...: the linrec command-line tool shipped inside the package."""

import os
import sys


def main():
    tool = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bin", "linrec")
    if not os.access(tool, os.X_OK):
        sys.exit(f"linrec: the command-line tool is missing from the package ({tool})")
    os.execv(tool, [tool] + sys.argv[1:])


if __name__ == "__main__":
    main()
