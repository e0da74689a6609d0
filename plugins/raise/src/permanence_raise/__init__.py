"""permanence-raise: the Northgate/NEC RAISE adapter plugin for permanence_core (``raise`` is a keyword)."""
