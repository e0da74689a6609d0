"""The RAISE adapter against the adapter contract suite, on a synthetic file-drop inbox."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from permanence_core.testing import AdapterContract


class TestRaiseContract(AdapterContract):
    @pytest.fixture
    def adapter_name(self) -> str:
        return "raise"

    @pytest.fixture
    def source(self, inbox: Callable[..., Path]) -> str:
        return str(inbox())

    @pytest.fixture
    def bad_source(self, inbox: Callable[..., Path]) -> str:
        # A third child whose episode starts on a day that does not exist.
        children = ["R3001,2,14/05/2015,WBRI,C123456789012,,", "R3003,1,09/09/2016,WBRI,,,"]
        care = ["R3001,01/09/2023,S,C1,N1,U6,PR1,,,,,,", "R3003,31/02/2024,S,C1,N1,U6,PR1,,,,,,"]
        return str(inbox(children=children, care=care))
