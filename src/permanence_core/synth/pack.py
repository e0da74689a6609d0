"""Writing a cohort's permanence pack: the interchange document of ``serialization.dumps``, streamed."""

from __future__ import annotations

import json
from pathlib import Path
from types import TracebackType
from typing import TextIO

import attrs

from permanence_core.model import CaseRecord, Child, Identifiers
from permanence_core.serialization import INTERCHANGE_VERSION, record_to_dict
from permanence_core.synth.cohort import PACK_FACETS

PACK_FILE = Path("pack") / "pack.json"


def pack_record(record: CaseRecord) -> CaseRecord:
    """Only what the return lacks: names and NHS number, proceedings, plans, meetings, people, views."""
    child = record.child
    return attrs.evolve(
        record,
        child=Child(
            identifiers=Identifiers(case_id=child.child_id, nhs_number=child.identifiers.nhs_number),
            first_name=child.first_name,
            surname=child.surname,
        ),
        coverage=PACK_FACETS,
        periods_of_care=(),
        reviews=(),
        previous_permanence=None,
        adoption=None,
    )


class PackWriter:
    """Streams records into ``folder/pack/pack.json`` byte for byte as ``serialization.dumps`` would write
    them all at once, so a national cohort never has to sit in memory."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / PACK_FILE
        self._handle: TextIO | None = None
        self._count = 0

    def __enter__(self) -> PackWriter:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._handle = self.path.open("w", encoding="utf-8")
        self._file().write('{\n "schema_version": ' + json.dumps(INTERCHANGE_VERSION) + ',\n "records": [')
        return self

    def __exit__(
        self, _type: type[BaseException] | None, _value: BaseException | None, _tb: TracebackType | None
    ) -> None:
        self._file().write("\n ]\n}" if self._count else "]\n}")
        self._file().close()

    def _file(self) -> TextIO:
        if self._handle is None:
            raise RuntimeError("a PackWriter writes only inside its with block")
        return self._handle

    def write(self, record: CaseRecord) -> None:
        """Append the pack part of ``record``."""
        text = json.dumps(record_to_dict(pack_record(record)), indent=1, ensure_ascii=False)
        # json.dumps nests the record two levels deep; its strings never hold a raw newline.
        self._file().write(("\n" if self._count == 0 else ",\n") + "  " + text.replace("\n", "\n  "))
        self._count += 1
