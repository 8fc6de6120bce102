"""The relational schema (SQLAlchemy Core), one ``metadata``; Alembic migrations come from it.

``core.py``: customers, cases, messages, audit, staff, desk, chat, portal (migrations 0001-0006,
0010). ``channels.py``: e-mail, WhatsApp/SMS, phone, customer matching (0007-0009, 0011).
``emergency.py``: the emergency lane (0012).
Import tables from here: ``from klantenservice.adapters.db.tables import cases``.
"""

from klantenservice.adapters.db.tables.channels import *  # noqa: F403
from klantenservice.adapters.db.tables.core import *  # noqa: F403
from klantenservice.adapters.db.tables.emergency import *  # noqa: F403
from klantenservice.adapters.db.tables.incidents import *  # noqa: F403
