"""``python -m notifications migrate|worker|serve|...``"""

import sys

from crm_shared.cli import main

from .service import SERVICE

sys.exit(main(SERVICE))
