"""The Mosaic adapter against the adapter contract suite, on a synthetic SQLite warehouse and the example config."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

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
    def load_options(self, config: Path) -> Mapping[str, Any]:
        return {"config": str(config)}

    @pytest.fixture
    def bad_source(self, warehouse: Callable[..., str], rows: dict[str, list[tuple]]) -> str:
        # A placement type Mosaic should never hold, a placement of nobody, a plan no one can read,
        # a review step with an unreadable date and an allocation to no worker.
        placements = [
            (7005, 1, 102, 5002, "2022-01-01", None, "ZZ", "N2", None, None, "N"),
            (7006, 1, None, 5002, "2022-01-01", None, "U4", "N2", None, None, "N"),
        ]
        answers = [(420, 3001, 1, "lac.perm.plan", "Whatever works out", None, 101, 60, 1)]
        steps = [(3020, 1234, 60, "COMPLETED", "2024-01-01", "31/12/2023", None, 17, 1)]
        allocations = [(9, 101, None, "2023-03-01", None)]
        return warehouse(
            placements=[*rows["placements"], *placements],
            answers=[*rows["answers"], *answers],
            steps=[*rows["steps"], *steps],
            allocations=[*rows["allocations"], *allocations],
        )

    @pytest.fixture
    def missing_source(self, tmp_path: Path) -> str:
        return f"sqlite:///{tmp_path / 'no-such-warehouse.db'}"

    @pytest.fixture
    def personal_data(self) -> tuple[str, ...]:
        # Siblings', parents' and workers' names are personal data too.
        return ("Cassius", "Corvina", "Synthetic Worker Seventeen", "2018-08-14")
