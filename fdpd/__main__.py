import sys

from fdpd.cli import main

sys.exit(main())
