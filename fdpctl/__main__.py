"""`python -m fdpctl` and the `fdpctl` console script."""

import sys

from fdpctl.cli import main

if __name__ == "__main__":
    sys.exit(main())
