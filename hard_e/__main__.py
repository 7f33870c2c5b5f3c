import sys

from hard_e.bot.cli import main

sys.exit(main())
