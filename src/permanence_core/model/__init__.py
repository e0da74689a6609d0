"""The permanence model: frozen, validated attrs classes that know nothing of files, rules or adapters."""

from permanence_core.model.adoption import AdoptionMilestones
from permanence_core.model.care import (
    Episode,
    LegalStatusSpell,
    PeriodOfCare,
    PlacementSpell,
    PreviousPermanence,
    Review,
)
from permanence_core.model.child import Child, Identifiers, nhs_number_is_valid
from permanence_core.model.meetings import Action, Attendee, Meeting, MeetingAction, MeetingKind
from permanence_core.model.narrative import CaseNarrative, SignOff, SignOffRole
from permanence_core.model.people import (
    AllocatedWorker,
    CareOffer,
    FamilyMember,
    Sibling,
    SiblingPlan,
    Views,
    WorkerRole,
)
from permanence_core.model.plan import PermanencePlan, PlanStatus, ResidentialAims, StatusChange
from permanence_core.model.proceedings import CareProceedings, Extension, Hearing, HearingKind
from permanence_core.model.record import CaseRecord, Facet

__all__ = [
    "Action",
    "AdoptionMilestones",
    "AllocatedWorker",
    "Attendee",
    "CareOffer",
    "CareProceedings",
    "CaseNarrative",
    "CaseRecord",
    "Child",
    "Episode",
    "Extension",
    "Facet",
    "FamilyMember",
    "Hearing",
    "HearingKind",
    "Identifiers",
    "LegalStatusSpell",
    "Meeting",
    "MeetingAction",
    "MeetingKind",
    "PeriodOfCare",
    "PermanencePlan",
    "PlacementSpell",
    "PlanStatus",
    "PreviousPermanence",
    "ResidentialAims",
    "Review",
    "Sibling",
    "SiblingPlan",
    "SignOff",
    "SignOffRole",
    "StatusChange",
    "Views",
    "WorkerRole",
    "nhs_number_is_valid",
]
