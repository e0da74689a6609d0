"""permanence-example: an adapter plugin for permanence_core."""
