"""The cohort as tables, for evaluating every child at once (see ``tables``)."""

from permanence_core.cohort.from_records import cohort_from_records
from permanence_core.cohort.tables import SCHEMAS, Cohort, empty

__all__ = ["SCHEMAS", "Cohort", "cohort_from_records", "empty"]
