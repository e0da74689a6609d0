"""Synthetic cohorts: realistic, deterministic looked-after children written as an SSDA903 return plus pack."""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from permanence_core.errors import InputError
from permanence_core.synth.cohort import CohortGenerator, CohortSpec, SynthChild
from permanence_core.synth.pack import PackWriter, clear_pack
from permanence_core.synth.returns import ReturnWriter
from permanence_core.synth.ssd import SsdWriter
from permanence_core.synth.summary import CohortSummary

#: The cohort shipped in ``permanence_core/demo_data`` (regenerate with ``permanence synth --demo``).
DEMO = CohortSpec(children=200, seed=903, as_of=dt.date(2026, 11, 2))

__all__ = ["DEMO", "CohortGenerator", "CohortSpec", "CohortSummary", "SynthChild", "demo_folder", "generate"]


def demo_folder() -> Path:
    """The folder of the bundled demo cohort (return tables plus the pack's tables in ``pack/``)."""
    return Path(str(resources.files("permanence_core").joinpath("demo_data")))


def generate(
    spec: CohortSpec,
    folder: Path,
    progress: Callable[[int, int], None] | None = None,
    ssd_out: Path | None = None,
    *,
    pack_json: bool = False,
) -> CohortSummary:
    """Write the cohort ``spec`` describes to ``folder`` (created if needed) and return its figures.

    The pack goes to ``folder/pack`` as its CSV tables (plus a compact ``documents.json`` of family, views,
    narrative and sign-offs), or with ``pack_json`` as one compact ``pack.json``. Children are written as
    they are generated, so memory stays flat however large the cohort. An earlier run's pack files are
    removed first, so the folder never mixes two cohorts. ``ssd_out`` also writes the same children as a
    Standard Safeguarding Dataset (a new SQLite file).
    """
    generator = CohortGenerator(spec)
    summary = CohortSummary(spec.as_of, generator.window_start)
    try:
        with contextlib.ExitStack() as stack:
            returns = stack.enter_context(ReturnWriter(folder))
            pack = stack.enter_context(PackWriter(folder, as_json=pack_json)) if spec.casework else None
            ssd = stack.enter_context(SsdWriter(ssd_out)) if ssd_out is not None else None
            if pack is None:
                clear_pack(folder)
            for done, child in enumerate(generator, start=1):
                returns.write(child)
                if pack is not None:
                    pack.write(child.record)
                if ssd is not None:
                    ssd.write(child)
                summary.add(child)
                if progress is not None:
                    progress(done, spec.children)
    except OSError as exc:
        raise InputError(str(folder), f"cannot write the cohort: {exc.strerror or exc}") from None
    except sqlite3.Error as exc:
        raise InputError(str(ssd_out), f"cannot write the SSD database: {exc}") from None
    return summary
