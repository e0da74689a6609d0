"""The SSDA903 tables: columns, how a CSV file is recognised by its header, and where each sits in the XML."""

from __future__ import annotations

from collections.abc import Sequence

import attrs


@attrs.frozen
class Table:
    """One SSDA903 table (csc_data.md section 2): its columns in order and the columns that identify it.

    ``kept`` is False for tables the permanence model has no place for: their rows are read and checked
    (so nothing is silently skipped) but their facts are not kept.
    """

    name: str
    columns: tuple[str, ...]
    identifying: frozenset[str]
    file_name: str
    kept: bool = True

    def index(self, column: str) -> int:
        """Position of ``column`` in a row of this table."""
        return self.columns.index(column)


HEADER = Table(
    "Header",
    ("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"),
    frozenset({"CHILD", "SEX", "DOB", "ETHNIC"}),
    "header.csv",
)
EPISODES = Table(
    "Episodes",
    (
        "CHILD",
        "DECOM",
        "RNE",
        "LS",
        "CIN",
        "PLACE",
        "PLACE_PROVIDER",
        "DEC",
        "REC",
        "REASON_PLACE_CHANGE",
        "HOME_POST",
        "PL_POST",
        "URN",
    ),
    frozenset({"CHILD", "DECOM", "RNE", "LS"}),
    "episodes.csv",
)
REVIEWS = Table("Reviews", ("CHILD", "DOB", "REVIEW", "REVIEW_CODE"), frozenset({"CHILD", "REVIEW"}), "reviews.csv")
UASC = Table("UASC", ("CHILD", "SEX", "DOB", "DUC"), frozenset({"CHILD", "DUC"}), "uasc.csv")
OC2 = Table(
    "OC2",
    (
        "CHILD",
        "DOB",
        "SDQ_SCORE",
        "SDQ_REASON",
        "CONVICTED",
        "HEALTH_CHECK",
        "IMMUNISATIONS",
        "TEETH_CHECK",
        "HEALTH_ASSESSMENT",
        "SUBSTANCE_MISUSE",
        "INTERVENTION_RECEIVED",
        "INTERVENTION_OFFERED",
    ),
    frozenset({"CHILD", "SDQ_SCORE", "CONVICTED"}),
    "oc2.csv",
    kept=False,
)
OC3 = Table("OC3", ("CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM"), frozenset({"CHILD", "IN_TOUCH"}), "oc3.csv", False)
AD1 = Table(
    "AD1",
    ("CHILD", "DOB", "DATE_INT", "DATE_MATCH", "FOSTER_CARE", "NB_ADOPTR", "SEX_ADOPTR", "LS_ADOPTR"),
    frozenset({"CHILD", "DATE_INT"}),
    "ad1.csv",
)
PLACED_ADOPTION = Table(
    "PlacedAdoption",
    ("CHILD", "DOB", "DATE_PLACED", "DATE_PLACED_CEASED", "REASON_PLACED_CEASED"),
    frozenset({"CHILD", "DATE_PLACED"}),
    "placed_for_adoption.csv",
)
PREV_PERM = Table(
    "PrevPerm",
    ("CHILD", "DOB", "PREV_PERM", "LA_PERM", "DATE_PERM"),
    frozenset({"CHILD", "PREV_PERM"}),
    "previous_permanence.csv",
)
MISSING = Table(
    "Missing",
    ("CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"),
    frozenset({"CHILD", "MISSING"}),
    "missing.csv",
    kept=False,
)
SW_EPISODES = Table(
    "SWEpisodes",
    ("CHILD", "DOB", "SW_ID", "SW_DECOM", "SW_DEC", "SW_REASON"),
    frozenset({"CHILD", "SW_ID"}),
    "sw_episodes.csv",
)
DOLO = Table("DoLo", ("CHILD", "DOB", "DOLO_START", "DOLO_END"), frozenset({"CHILD", "DOLO_START"}), "dolo.csv", False)

#: Every table in the order a collection is read: Header first, so records keep the Header's order.
TABLES = (HEADER, EPISODES, REVIEWS, UASC, OC2, OC3, AD1, PLACED_ADOPTION, PREV_PERM, MISSING, SW_EPISODES, DOLO)
BY_NAME = {table.name: table for table in TABLES}
#: Every column name of any table: a notice may name these, never any other header cell (it may be a value).
ALL_COLUMNS = frozenset(column for table in TABLES for column in table.columns)


@attrs.frozen
class Recognised:
    """A CSV header matched to a table: where each column sits, and what was extra or absent."""

    table: Table
    positions: tuple[int | None, ...]
    extra: tuple[str, ...]
    absent: tuple[str, ...]


def normalise_header(header: Sequence[str]) -> list[str]:
    """Column names as compared: stripped and upper case (exports differ in both)."""
    return [name.strip().upper() for name in header]


def recognise(header: Sequence[str]) -> Recognised | None:
    """Match a CSV header to the table whose identifying columns it holds (the most specific wins)."""
    names = normalise_header(header)
    present = set(names)
    matches = [table for table in TABLES if table.identifying <= present]
    if not matches:
        return None
    table = max(matches, key=lambda t: len(present & set(t.columns)))
    positions = tuple(names.index(column) if column in present else None for column in table.columns)
    extra = tuple(name for name in names if name not in table.columns)
    absent = tuple(column for column, at in zip(table.columns, positions, strict=True) if at is None)
    return Recognised(table, positions, extra, absent)


def looks_like(file_name: str, names: Sequence[str]) -> Table | None:
    """The table a file is meant to be though its header is not recognised: by its file name, or by most of its
    header cells being that table's columns (an export that lost a required column); None when neither."""
    stem = file_name.rsplit(".", 1)[0].strip().lower()
    for table in TABLES:
        if stem == table.file_name.rsplit(".", 1)[0] or stem == table.name.lower():
            return table
    present = set(names)
    best = max(TABLES, key=lambda t: len(present & set(t.columns)))
    shared = len(present & set(best.columns))
    return best if shared >= 2 and shared * 2 > len(names) else None
