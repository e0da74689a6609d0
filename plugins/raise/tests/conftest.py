"""Synthetic RAISE inboxes: drops holding an SSDA903 return and a permanence pack, with made-up children."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pytest
from permanence_raise.config import RaiseConfig
from permanence_raise.inbox import ingest

HEADER = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB"
EPISODES = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN"
MEETINGS = "meeting_id,kind,date,children,chair,summary,agreed_plan,minutes_issued_on,referral_received_on"

# Two children; identifiers and dates are invented.
CHILDREN = ["R3001,2,14/05/2015,WBRI,C123456789012,,", "R3002,1,02/12/2019,MWBC,,,"]
CARE = [
    "R3001,01/09/2023,S,C1,N1,U6,PR1,15/01/2024,X1,,,,",
    "R3001,15/01/2024,L,C2,N1,U6,PR1,,,,,,",
    "R3002,20/03/2022,S,V2,N2,U3,PR1,30/06/2023,E4A,,,,",
]
# The permanence pack adds what the return lacks, here the children's names and the permanence decision.
PACK_CHILDREN = (
    "child_id,first_name,surname,nhs_number,upn,former_upn,sui,date_of_birth,sex,ethnicity,"
    "permanence_decision_date,referral_date\n"
    "R3001,Marisol,Invented,,,,,,,,2023-11-20,\n"
    "R3002,Oswin,Madeupson,,,,,,,,,\n"
)
#: Ingest without waiting for files to settle: the tests' files are complete when written.
SETTLED = RaiseConfig(settle_seconds=0)


def write_table(path: Path, header: str, rows: Sequence[str]) -> Path:
    """Write one CSV file: a header line and rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def write_drop(
    folder: Path,
    *,
    children: Sequence[str] = CHILDREN,
    care: Sequence[str] = CARE,
    pack: Mapping[str, str] | None = None,
) -> Path:
    """Write an SSDA903 return (header and episodes tables) and a permanence pack into the drop ``folder``.

    ``pack`` maps pack file names to their text; by default the pack holds children.csv only.
    """
    write_table(folder / "header.csv", HEADER, children)
    write_table(folder / "episodes.csv", EPISODES, care)
    for name, text in (pack if pack is not None else {"children.csv": PACK_CHILDREN}).items():
        (folder / "pack").mkdir(parents=True, exist_ok=True)
        (folder / "pack" / name).write_text(text, encoding="utf-8")
    return folder


class Drops:
    """The rows and writers above, for test modules (which cannot import conftest under importlib mode)."""

    children = CHILDREN
    care = CARE
    settled = SETTLED
    write_drop = staticmethod(write_drop)
    write_table = staticmethod(write_table)


@pytest.fixture
def drops() -> Drops:
    """Rows and writers for synthetic drops."""
    return Drops()


@pytest.fixture
def new_inbox(tmp_path: Path) -> Callable[[], Path]:
    """An empty inbox root with its incoming/ folder; each call makes another."""
    counter = iter(range(1000))

    def build() -> Path:
        root = tmp_path / f"inbox-{next(counter)}"
        (root / "incoming").mkdir(parents=True)
        return root

    return build


@pytest.fixture
def inbox(new_inbox: Callable[[], Path]) -> Callable[..., Path]:
    """An inbox with one drop ingested: ``inbox(care=[...])`` replaces the episodes."""

    def build(**rows: Sequence[str]) -> Path:
        root = new_inbox()
        write_drop(root / "incoming" / "2025-03-31", **rows)
        ingest(root, SETTLED)
        return root

    return build
