"""``python -m service_desk migrate|worker|serve|...``"""

import sys

from crm_shared.cli import main

from .service import SERVICE

sys.exit(main(SERVICE))
