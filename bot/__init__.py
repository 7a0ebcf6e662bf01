"""The constellation bot."""

import os

# python-telegram-bot 22 returns time periods (a 429's retry_after) as whole seconds and warns
# that a later major version returns timedelta; we read both, so opt in to the future now.
os.environ.setdefault("PTB_TIMEDELTA", "1")
