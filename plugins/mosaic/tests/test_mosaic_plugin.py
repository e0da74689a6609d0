"""The plugin as a council runs it: progress while loading, and `permanence alerts` on the warehouse."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner

from permanence_core.cli import cli
from permanence_core.plugins.manager import Plugins


def test_the_load_reports_progress_table_by_table(warehouse: Callable[..., str], config: Path) -> None:
    calls: list[tuple[int, int]] = []

    result = Plugins().load("mosaic", warehouse(), {"config": str(config), "progress": lambda *c: calls.append(c)})

    assert result.records
    total = calls[0][1]
    assert calls == [(done, total) for done in range(1, total + 1)]
    # Care, adoption, siblings and workers, workflow steps and forms, non-LA orders: 13 tables.
    assert total == 13


def test_permanence_alerts_reads_the_warehouse_with_the_council_profile(
    warehouse: Callable[..., str], config: Path
) -> None:
    args = ["alerts", "--adapter", "mosaic", "--source", warehouse(), "--config", str(config)]
    args += ["--profile", "tracker-meeting", "--as-of", "2024-02-06", "--format", "json"]

    result = CliRunner().invoke(cli, args)

    assert result.exit_code == 0, result.output
    alerts = json.loads(result.stdout)["alerts"]
    assert {(a["child_id"], a["rule"]) for a in alerts} >= {("101", "panel.referral"), ("103", "panel.referral")}
