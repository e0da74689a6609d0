"""The panel pack, one code path for the CLI and the API: the agenda from the source and the ledger, the pack built on
it, the document written and noted in the ledger."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path

import attrs

from permanence_core.documents import OutputFormat, PanelPack, panel_pack_layout, render
from permanence_core.model import CaseRecord
from permanence_core.private_files import write_private
from permanence_core.rules import Evaluation, Profile, evaluate
from permanence_core.tracker.agenda import Agenda, agenda_pack, build_agenda, save_agenda
from permanence_core.tracker.entries import Produced
from permanence_core.tracker.ledger import Ledger
from permanence_core.tracker.panel import Panel, with_panels


@attrs.frozen(kw_only=True)
class PanelAgenda:
    """A panel's agenda and what it was built from; ``saved`` is False once the panel is held (its agenda stands)."""

    agenda: Agenda
    records: tuple[CaseRecord, ...]
    evaluation: Evaluation
    saved: bool


@attrs.frozen(kw_only=True)
class PackWritten:
    """The pack written to ``out`` (``size`` bytes), with the agenda behind it."""

    agenda: PanelAgenda
    pack: PanelPack
    out: Path
    size: int


def panel_agenda(ledger: Ledger, panel: Panel, records: Sequence[CaseRecord], profile: Profile) -> PanelAgenda:
    """Build the panel's agenda (timescales evaluated on the panel date under ``profile``) and keep it in the ledger.

    The panels held in the ledger are tracking meetings the rules see, as the case system's are.
    """
    seen = with_panels(ledger, records)
    evaluation = evaluate(seen, profile, panel.date)
    agenda = build_agenda(ledger, panel, seen, evaluation)
    return PanelAgenda(agenda=agenda, records=tuple(seen), evaluation=evaluation, saved=save_agenda(ledger, agenda))


def write_pack(
    ledger: Ledger,
    panel: Panel,
    records: Sequence[CaseRecord],
    out: Path,
    *,
    profile: Profile,
    generated_on: dt.date | None = None,
    templates: Mapping[str, Path] | None = None,
) -> PackWritten:
    """Write the panel's pack to ``out`` (Word or HTML by its suffix), readable by its owner only, and note it in the
    ledger. The footer's date is the day the pack is made (``generated_on``, default today)."""
    made = generated_on or dt.date.today()
    built = panel_agenda(ledger, panel, records, profile)
    pack = agenda_pack(ledger, built.agenda, built.records, built.evaluation)
    data = render(
        panel_pack_layout(pack, generated_on=made),
        OutputFormat.from_path(out),
        generated_on=made,
        templates=templates,
        context={"pack": pack},
    )
    write_private(out, data)
    ledger.record_documents(
        [Produced.panel_document("panel-pack", out.name, data, meeting_id=panel.panel_id, path=str(out))]
    )
    return PackWritten(agenda=built, pack=pack, out=out, size=len(data))


__all__ = ["PackWritten", "PanelAgenda", "panel_agenda", "write_pack"]
