"""Writing a cohort as an SSDA903 return: one CSV table per file, the validator's columns, dd/mm/YYYY dates."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

from permanence_core.synth.cohort import SynthChild

#: File names and columns exactly as the DfE validator (csc-validator-be-903 ``config.py``) expects them.
TABLES: dict[str, tuple[str, ...]] = {
    "header.csv": ("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"),
    "episodes.csv": (
        "CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC", "REASON_PLACE_CHANGE",
        "HOME_POST", "PL_POST", "URN",
    ),
    "reviews.csv": ("CHILD", "DOB", "REVIEW", "REVIEW_CODE"),
    "uasc.csv": ("CHILD", "SEX", "DOB", "DUC"),
    "ad1.csv": ("CHILD", "DOB", "DATE_INT", "DATE_MATCH", "FOSTER_CARE", "NB_ADOPTR", "SEX_ADOPTR", "LS_ADOPTR"),
    "placed_for_adoption.csv": ("CHILD", "DOB", "DATE_PLACED", "DATE_PLACED_CEASED", "REASON_PLACED_CEASED"),
    "previous_permanence.csv": ("CHILD", "DOB", "PREV_PERM", "LA_PERM", "DATE_PERM"),
}  # fmt: skip


def dmy(day: dt.date | None) -> str:
    """A date as the return writes it (dd/mm/YYYY), blank for None."""
    return f"{day.day:02d}/{day.month:02d}/{day.year:04d}" if day else ""


class ReturnWriter:
    """Writes children to the return's tables in ``folder`` as they come (nothing is held in memory)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._files: dict[str, TextIO] = {}
        self._writers: dict[str, Any] = {}

    def __enter__(self) -> ReturnWriter:
        self.folder.mkdir(parents=True, exist_ok=True)
        for name, columns in TABLES.items():
            handle = (self.folder / name).open("w", newline="", encoding="utf-8")
            self._files[name] = handle
            self._writers[name] = csv.writer(handle, lineterminator="\n")
            self._writers[name].writerow(columns)
        return self

    def __exit__(
        self, _type: type[BaseException] | None, _value: BaseException | None, _tb: TracebackType | None
    ) -> None:
        for handle in self._files.values():
            handle.close()

    def write(self, synth: SynthChild) -> None:
        """Write one child's rows to every table it has rows in."""
        record, rows = synth.record, self._writers
        child = record.child
        cid, dob = child.child_id, dmy(child.date_of_birth)
        upn = child.identifiers.upn or ""
        rows["header.csv"].writerow(
            (cid, child.sex, dob, child.ethnicity, upn, synth.mother or "", dmy(synth.mother_child_dob))
        )
        rows["episodes.csv"].writerows(
            (
                cid, dmy(e.start), e.reason_new_episode, e.legal_status, e.category_of_need, e.placement,
                e.placement_provider or "", dmy(e.end), e.reason_ceased or "", e.reason_place_change or "",
                e.home_postcode or "", e.placement_postcode or "", e.urn or "",
            )
            for e in record.episodes
        )  # fmt: skip
        rows["reviews.csv"].writerows((cid, dob, dmy(r.date), r.participation) for r in record.reviews)
        if child.uasc_until:
            rows["uasc.csv"].writerow((cid, child.sex, dob, dmy(child.uasc_until)))
        adoption = record.adoption
        if adoption is not None:
            # AD1 is written once the child is matched, so every AD1 column has a value.
            if adoption.match and synth.adopters:
                number, sexes, status = synth.adopters
                foster = "1" if adoption.foster_carer_adoption else "0"
                rows["ad1.csv"].writerow(
                    (cid, dob, dmy(adoption.decision), dmy(adoption.match), foster, number, sexes, status)
                )
            rows["placed_for_adoption.csv"].writerow(
                (cid, dob, dmy(adoption.decision), dmy(adoption.reversal), adoption.reversal_reason or "")
            )
        previous = record.previous_permanence
        if previous is not None:
            rows["previous_permanence.csv"].writerow(
                (cid, dob, previous.code, previous.local_authority or "", previous.date or "")
            )
