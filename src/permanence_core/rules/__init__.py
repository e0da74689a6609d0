"""The timescale rules engine: profiles of rules as data, obligations and alerts."""

from permanence_core.rules.engine import Evaluation, due_date, evaluate, needed_facets, profile_facets
from permanence_core.rules.obligations import Alert, AlertStatus, Obligation, ObligationState
from permanence_core.rules.profile import Profile, Rule, load_profile

__all__ = [
    "Alert",
    "AlertStatus",
    "Evaluation",
    "Obligation",
    "ObligationState",
    "Profile",
    "Rule",
    "due_date",
    "evaluate",
    "load_profile",
    "needed_facets",
    "profile_facets",
]
