import sys

from stork.cli import main

sys.exit(main())
