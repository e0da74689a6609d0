"""Adoption milestones as the SSDA903 records them (csc_data.md section 2)."""

from __future__ import annotations

import datetime as dt

import attrs

from permanence_core.codes import REVERSAL_REASON
from permanence_core.model._validators import in_codes, optional_date


@attrs.frozen(kw_only=True)
class AdoptionMilestones:
    """Decision (DATE_INT), placement order (first E1), match, placed (first A3-A6), order, reversal."""

    decision: dt.date | None = attrs.field(default=None, validator=optional_date)
    placement_order: dt.date | None = attrs.field(default=None, validator=optional_date)
    match: dt.date | None = attrs.field(default=None, validator=optional_date)
    placed: dt.date | None = attrs.field(default=None, validator=optional_date)
    order: dt.date | None = attrs.field(default=None, validator=optional_date)
    reversal: dt.date | None = attrs.field(default=None, validator=optional_date)
    reversal_reason: str | None = attrs.field(default=None, validator=in_codes(REVERSAL_REASON, "reversal reason"))
    foster_carer_adoption: bool | None = None
