"""Synthetic RAISE inboxes: drop folders holding an SSDA903 return and a permanence pack, with made-up children."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

HEADER = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB"
EPISODES = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN"

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


def write_drop(folder: Path, *, children: Sequence[str] = CHILDREN, care: Sequence[str] = CARE) -> Path:
    """Write an SSDA903 return (header and episodes tables) and a permanence pack into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "header.csv").write_text("\n".join([HEADER, *children]) + "\n", encoding="utf-8")
    (folder / "episodes.csv").write_text("\n".join([EPISODES, *care]) + "\n", encoding="utf-8")
    (folder / "pack").mkdir()
    (folder / "pack" / "children.csv").write_text(PACK_CHILDREN, encoding="utf-8")
    return folder


@pytest.fixture
def inbox(tmp_path: Path) -> Callable[..., Path]:
    """Build an inbox in tmp_path with one drop: ``inbox(care=[...])`` replaces the episodes."""
    counter = iter(range(1000))

    def build(**rows: Sequence[str]) -> Path:
        root = tmp_path / f"inbox-{next(counter)}"
        write_drop(root / "2025-03-31", **rows)
        return root

    return build
