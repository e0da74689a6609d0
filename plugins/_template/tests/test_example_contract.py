"""This adapter against the permanence_core adapter contract suite, on a small synthetic CSV export."""

from __future__ import annotations

from pathlib import Path

import pytest

from permanence_core.testing import AdapterContract

HEADER = "child_id,first_name,surname,date_of_birth,care_start,care_end\n"


class TestExampleContract(AdapterContract):
    @pytest.fixture
    def adapter_name(self) -> str:
        return "example"

    @pytest.fixture
    def source(self, tmp_path: Path) -> str:
        path = tmp_path / "export.csv"
        path.write_text(
            HEADER
            + "C1,Wrenna,Testbury,2016-05-04,2023-01-09,\n"
            + "C2,Tobiah,Samplestone,2019-08-30,2021-02-01,2022-07-15\n"
            + "C2,Tobiah,Samplestone,2019-08-30,2023-03-01,\n",
            encoding="utf-8",
        )
        return str(path)

    @pytest.fixture
    def bad_source(self, tmp_path: Path) -> str:
        path = tmp_path / "bad.csv"
        path.write_text(
            HEADER
            + "C1,Wrenna,Testbury,2016-05-04,2023-01-09,\n"
            + "C3,Ysolde,Fauxley,2017-01-01,09/01/2023,\n"
            + ",Nobody,Atall,2017-01-01,2023-01-09,\n"
            + "C4,Idris,Mockridge,2015-02-02,2023-05-05,2023-01-01\n",
            encoding="utf-8",
        )
        return str(path)
