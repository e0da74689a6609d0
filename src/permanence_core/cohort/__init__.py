"""The cohort as tables, for evaluating every child at once (see ``tables``)."""

from permanence_core.cohort.detail import DETAIL_KEYS, DETAIL_SCHEMAS, CohortDetail, detail_from_records
from permanence_core.cohort.from_records import cohort_from_records
from permanence_core.cohort.tables import SCHEMAS, Cohort, empty

__all__ = [
    "DETAIL_KEYS",
    "DETAIL_SCHEMAS",
    "SCHEMAS",
    "Cohort",
    "CohortDetail",
    "cohort_from_records",
    "detail_from_records",
    "empty",
]
