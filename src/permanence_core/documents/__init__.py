"""Documents: the seed forms, meeting records and the panel pack, generated and read back."""

from permanence_core.documents.completed import CompletedProForma, CompletedRecord
from permanence_core.documents.layout import Field, FieldTable, Grid, Layout, Note, Section, Writer
from permanence_core.documents.marker import FormMarker
from permanence_core.documents.panel_pack import AgendaItem, ChildPage, PanelPack, panel_pack_layout
from permanence_core.documents.proforma import pro_forma
from permanence_core.documents.reader import FormReadError, NotAFormError, read_form
from permanence_core.documents.record import meeting_record
from permanence_core.documents.referral import referral_form
from permanence_core.documents.render import OutputFormat, render
from permanence_core.documents.safety import UnsafeDocumentError

__all__ = [
    "AgendaItem",
    "ChildPage",
    "CompletedProForma",
    "CompletedRecord",
    "Field",
    "FieldTable",
    "FormMarker",
    "FormReadError",
    "Grid",
    "Layout",
    "NotAFormError",
    "Note",
    "OutputFormat",
    "PanelPack",
    "Section",
    "UnsafeDocumentError",
    "Writer",
    "meeting_record",
    "panel_pack_layout",
    "pro_forma",
    "read_form",
    "referral_form",
    "render",
]
