"""The core's own SSDA903 adapter passes the same contract suite as every plugin's adapter."""

from __future__ import annotations

from pathlib import Path

import pytest

from permanence_core.testing import AdapterContract

HEADER = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n"
EPISODES = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"


def write_return(folder: Path, header: str, episodes: str) -> str:
    folder.mkdir()
    (folder / "header.csv").write_text(HEADER + header, encoding="utf-8")
    (folder / "episodes.csv").write_text(EPISODES + episodes, encoding="utf-8")
    return str(folder)


class TestSsda903Contract(AdapterContract):
    @pytest.fixture
    def adapter_name(self) -> str:
        return "ssda903"

    @pytest.fixture
    def source(self, tmp_path: Path) -> str:
        return write_return(
            tmp_path / "return",
            "K1,1,14/05/2015,WBRI,,,\nK2,2,09/09/2016,WBRI,,,\n",
            "K1,01/09/2023,S,C1,N1,U6,PR1,,,,,,\nK2,05/01/2024,S,C2,N1,U4,PR4,,,,,,\n",
        )

    @pytest.fixture
    def bad_source(self, tmp_path: Path) -> str:
        # K3's episode has no legal status; K1 still loads.
        return write_return(
            tmp_path / "bad",
            "K1,1,14/05/2015,WBRI,,,\nK3,1,02/02/2017,WBRI,,,\n",
            "K1,01/09/2023,S,C1,N1,U6,PR1,,,,,,\nK3,01/05/2024,S,,N1,U6,PR1,,,,,,\n",
        )
