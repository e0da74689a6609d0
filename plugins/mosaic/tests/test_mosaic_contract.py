"""The Mosaic adapter against the adapter contract suite, on a synthetic SQLite warehouse."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from permanence_core.testing import AdapterContract


class TestMosaicContract(AdapterContract):
    @pytest.fixture
    def adapter_name(self) -> str:
        return "mosaic"

    @pytest.fixture
    def source(self, warehouse: Callable[..., str]) -> str:
        return warehouse()

    @pytest.fixture
    def bad_source(self, warehouse: Callable[..., str], rows: dict[str, list[tuple]]) -> str:
        # A placement type Mosaic should never hold, and a placement of nobody.
        bad = [
            (7004, 1, 102, 5002, "2022-01-01", None, "ZZ", "N2", None, None, "N"),
            (7005, 1, None, 5002, "2022-01-01", None, "U4", "N2", None, None, "N"),
        ]
        return warehouse(placements=[*rows["placements"], *bad])

    @pytest.fixture
    def missing_source(self, tmp_path: Path) -> str:
        return f"sqlite:///{tmp_path / 'no-such-warehouse.db'}"
