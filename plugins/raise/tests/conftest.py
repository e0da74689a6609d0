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


# Seed 002's monthly panel: Thursday 24 April 2025. Referrals are due three days before (21 April) and
# minutes three working days after (Tuesday 29 April). P4 left care in January, so no deadline applies.
PANEL_CHILDREN = [f"P{n},1,01/0{n}/2016,WBRI,,," for n in (1, 2, 3, 4)]
PANEL_CARE = [
    "P1,01/06/2024,S,C2,N1,U4,PR1,,,,,,",
    "P2,01/06/2024,S,C2,N1,U4,PR1,,,,,,",
    "P3,01/06/2024,S,C2,N1,U4,PR1,,,,,,",
    "P4,01/06/2024,S,C2,N1,U4,PR1,10/01/2025,E4A,,,,",
]
PANEL_PACK = {
    "children.csv": "child_id,first_name,surname\nP1,Ada,Pretend\nP2,Bryn,Fictional\nP3,Cai,Madeup\nP4,Dee,Notreal\n",
    "meetings.csv": (
        "meeting_id,kind,date,children,chair,summary,agreed_plan,minutes_issued_on,referral_received_on\n"
        "PAN-0424-P1,tracking_panel,2025-04-24,P1,Service Manager,,,2025-04-28,2025-04-17\n"
        "PAN-0424-P2,tracking_panel,2025-04-24,P2,Service Manager,Plan on track,Adoption,,2025-04-23\n"
        "PAN-0424-P3,tracking_panel,2025-04-24,P3,Service Manager,,,,\n"
        "PAN-0424-P4,tracking_panel,2025-04-24,P4,Service Manager,,,,\n"
        "PAN-0327-P2,tracking_panel,2025-03-27,P2,Service Manager,,,,2025-03-20\n"
        "PAN-0522-P1,tracking_panel,2025-05-22,P1,,,,,\n"
    ),
    "attendees.csv": "meeting_id,name,role,attended\nPAN-0424-P2,Chair A,Service Manager,yes\n",
    "actions.csv": (
        "meeting_id,action_id,description,owner,due_date,completed_on,depends_on\n"
        "PAN-0424-P2,1,Complete the matching report,Social Worker B,2025-05-15,,\n"
    ),
}


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
def panel_inbox(new_inbox: Callable[[], Path]) -> Path:
    """An inbox whose snapshot holds seed 002's April panel (see PANEL_PACK)."""
    root = new_inbox()
    write_drop(root / "incoming" / "2025-04-20", children=PANEL_CHILDREN, care=PANEL_CARE, pack=PANEL_PACK)
    ingest(root, SETTLED)
    return root


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
