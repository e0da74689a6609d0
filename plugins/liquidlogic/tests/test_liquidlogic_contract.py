"""The Liquidlogic adapter against the adapter contract suite, on a synthetic SQLite warehouse."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from permanence_core.testing import AdapterContract

Warehouse = Callable[..., tuple[str, Mapping[str, Any]]]


class TestLiquidlogicContract(AdapterContract):
    @pytest.fixture
    def adapter_name(self) -> str:
        return "liquidlogic"

    @pytest.fixture
    def built(self, warehouse: Warehouse) -> tuple[str, Mapping[str, Any]]:
        return warehouse()

    @pytest.fixture
    def source(self, built: tuple[str, Mapping[str, Any]]) -> str:
        return built[0]

    @pytest.fixture
    def load_options(self, built: tuple[str, Mapping[str, Any]]) -> Mapping[str, Any]:
        return built[1]

    @pytest.fixture
    def bad_built(self, warehouse: Warehouse, rows: dict[str, list[tuple]]) -> tuple[str, Mapping[str, Any]]:
        # An episode in no period of care, and one of a person the warehouse does not know.
        bad = [(4, 202, None, "2022-01-01", None, None), (5, 777, 40, "2022-01-01", None, None)]
        return warehouse(episodes=[*rows["episodes"], *bad])

    @pytest.fixture
    def bad_source(self, bad_built: tuple[str, Mapping[str, Any]]) -> str:
        return bad_built[0]

    @pytest.fixture
    def bad_load_options(self, bad_built: tuple[str, Mapping[str, Any]]) -> Mapping[str, Any]:
        return bad_built[1]

    @pytest.fixture
    def missing_source(self, tmp_path: Path) -> str:
        return f"sqlite:///{tmp_path / 'no-such-warehouse.db'}"
