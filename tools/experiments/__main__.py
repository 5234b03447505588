"""``python -m tools.experiments SUBCOMMAND``: the command recorded in the committed results files."""

import sys

from tools.experiments.long_deps import main

sys.exit(main())
