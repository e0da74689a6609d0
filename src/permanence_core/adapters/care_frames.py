"""Every child's care history derived from episodes at once, as column expressions.

The same rules as :mod:`permanence_core.adapters.episodes` (``sequence`` then ``derive``), which stays the
reference: the differential tests hold the two equal. Episodes come in already checked: one row per child and
start date (a repeated start is rejected before this), required codes present, no end before its start.
"""

from __future__ import annotations

import polars as pl

from permanence_core import codes
from permanence_core.adapters.episodes import ADOPTED, CONTINUES, LEGAL_STATUS_ONLY, PLACEMENT_ORDER, STARTED

del LEGAL_STATUS_ONLY  # placement spells are not cohort facts

#: The episode columns this module reads.
EPISODE_COLUMNS = ("child_id", "start", "end", "rne", "ls", "place", "rec")


def sequenced(episodes: pl.DataFrame) -> pl.DataFrame:
    """Episodes in start order per child, each open or overrunning episode ended where the next begins
    (``sequence`` rules 2 and 3, flagged ``closed`` and ``truncated``), with what ``derive`` asks of each: does it
    start a period, a legal status spell."""
    by_child = episodes.lazy().sort("child_id", "start")
    following = pl.col("start").shift(-1).over("child_id")
    end = (
        pl.when(following.is_not_null() & (pl.col("end").is_null() | (pl.col("end") > following)))
        .then(following)
        .otherwise(pl.col("end"))
    )
    first = pl.col("start").cum_count().over("child_id") == 1
    previous_end = pl.col("end").shift(1).over("child_id")
    previous_rec = pl.col("rec").shift(1).over("child_id")
    left_care = previous_end.is_not_null() & previous_rec.is_not_null() & (previous_rec != CONTINUES)
    starts_period = first | (pl.col("rne") == STARTED) | left_care
    touching = (previous_end == pl.col("start")).fill_null(False)
    new_status = starts_period | ~touching | (pl.col("ls") != pl.col("ls").shift(1).over("child_id")).fill_null(True)
    return (
        by_child.with_columns(
            end.alias("end"),
            (following.is_not_null() & pl.col("end").is_null()).alias("closed"),
            (following.is_not_null() & (pl.col("end") > following)).fill_null(False).alias("truncated"),
        )
        .with_columns(starts_period.alias("starts_period"))
        .with_columns(new_status.alias("new_status"))
        .with_columns(
            pl.col("starts_period").cast(pl.Int32).cum_sum().over("child_id").alias("period"),
            pl.col("new_status").cast(pl.Int32).cum_sum().over("child_id").alias("spell"),
        )
        .collect()
    )


def periods(episodes: pl.DataFrame) -> pl.DataFrame:
    """Periods of care (``derive``'s ``_period``) of sequenced episodes: child_id, start, end, reason_ceased,
    short_break; in child and start order."""
    return (
        episodes.lazy()
        .group_by("child_id", "period", maintain_order=True)
        .agg(
            pl.col("start").first(),
            pl.col("end").last(),
            pl.when(pl.col("end").last().is_not_null()).then(pl.col("rec").last()).alias("reason_ceased"),
            pl.col("ls").is_in(list(codes.SHORT_BREAK_LEGAL_STATUSES)).all().alias("short_break"),
        )
        .drop("period")
        .collect()
    )


def legal_statuses(episodes: pl.DataFrame) -> pl.DataFrame:
    """Legal status spells (``derive``'s ``_status_spell``) of sequenced episodes: child_id, code, start, end."""
    return (
        episodes.lazy()
        .group_by("child_id", "spell", maintain_order=True)
        .agg(pl.col("ls").first().alias("code"), pl.col("start").first(), pl.col("end").last())
        .drop("spell")
        .collect()
    )


def adoption_dates(episodes: pl.DataFrame) -> pl.DataFrame:
    """Per child: the first placement order (LS E1) start, first placed-for-adoption start, first adoption order."""
    return (
        episodes.lazy()
        .group_by("child_id", maintain_order=True)
        .agg(
            pl.col("start").filter(pl.col("ls") == PLACEMENT_ORDER).first().alias("adoption_placement_order"),
            pl.col("start")
            .filter(pl.col("place").is_in(list(codes.PLACED_FOR_ADOPTION)))
            .first()
            .alias("adoption_placed"),
            pl.col("end")
            .filter(pl.col("end").is_not_null() & pl.col("rec").is_in(list(ADOPTED)))
            .first()
            .alias("adoption_order"),
        )
        .collect()
    )
