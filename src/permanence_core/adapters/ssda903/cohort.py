"""The SSDA903 return and its pack read straight into cohort tables, equal to the object reader's, faster.

The fast path reads each table with polars (:mod:`.rawrows`), checks every value column by column with the
object reader's own parsers (:mod:`.checks`), and derives periods of care, legal status spells, reviews and
adoption dates as column expressions (:mod:`permanence_core.adapters.care_frames`). Every child with a row that
fails a check, repeats a key or is dated before the child's birth goes, with all of its rows, through the object
reader's ``Assembler``: it names each rejection exactly as a full object load does, in the same order, and its
records join the cohort through ``cohort_from_records``. A source the fast path does not handle (an XML return,
more than one collection year) is read whole by the object reader.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

import attrs
import polars as pl

from permanence_core.adapters.base import CohortLoad
from permanence_core.adapters.care_frames import adoption_dates, legal_statuses, periods, sequenced
from permanence_core.adapters.distinct_checks import checked, outcomes
from permanence_core.adapters.episodes import STARTED
from permanence_core.adapters.ssda903 import tables
from permanence_core.adapters.ssda903.assemble import RETURN_FACETS, WITHHELD_BY, Assembler
from permanence_core.adapters.ssda903.checks import CHECKS, REFUSED, child_ids, kept_type
from permanence_core.adapters.ssda903.layout import Layout, discover
from permanence_core.adapters.ssda903.rawrows import RawRows, read_rows
from permanence_core.adapters.ssda903.reader import UNREADABLE, _recognised, _summary
from permanence_core.cohort import SCHEMAS, Cohort, CohortDetail, cohort_from_records, detail_from_records
from permanence_core.cohort.detail import DETAIL_SCHEMAS
from permanence_core.collector import collector_paused
from permanence_core.model import CaseRecord, Facet, WorkerRole

#: How rows of a table are keyed within a child (as the Assembler keys them): a repeat is rejected.
_KEYS: Mapping[str, tuple[str, ...]] = {
    tables.HEADER.name: (),
    tables.EPISODES.name: ("DECOM",),
    tables.REVIEWS.name: ("REVIEW",),
    tables.UASC.name: (),
    tables.AD1.name: (),
    tables.PLACED_ADOPTION.name: ("DATE_PLACED",),
    tables.PREV_PERM.name: (),
    tables.SW_EPISODES.name: ("SW_ID", "SW_DECOM"),
}
#: Facts dated no earlier than the child's birth (the Assembler's check against the Header).
_AFTER_BIRTH = {tables.EPISODES.name: "DECOM", tables.REVIEWS.name: "REVIEW"}
#: Facts that must not end before they start (the model's ``not_before``).
_ORDERED = {tables.EPISODES.name: ("DECOM", "DEC"), tables.SW_EPISODES.name: ("SW_DECOM", "SW_DEC")}


@attrs.frozen(kw_only=True)
class ColumnarLoad(CohortLoad):
    """A cohort load, and how many children the object reader read (their rows failed a check, or the source
    is one the fast path leaves to it)."""

    by_object_reader: int = 0
    #: True when the object reader read the pack.
    pack_by_object_reader: bool = False


@attrs.frozen
class _File:
    table: tables.Table
    name: str
    rows: RawRows
    width: int


def read_cohort(
    source: str, facets: Collection[Facet] | None = None, pack: str | None = None, *, detail: bool = False
) -> ColumnarLoad:
    """Read the return at ``source`` (and its pack: ``pack``, else ``pack/``) as ``load`` would, into a Cohort.

    ``facets`` narrows the pack as ``load``'s option does (None: every facet). The cohort, rejections and rows
    read equal ``cohort_from_records(load(source, options).records)`` and that load's account; with ``detail``,
    the detail tables equal ``detail_from_records`` of those records.
    """
    layout = discover(source, pack)
    if len(layout.collections) != 1 or layout.collections[0].xml_files:
        return _by_object_reader(source, facets, pack, detail)
    with collector_paused():
        return _read(layout, facets, detail)


def _by_object_reader(source: str, facets: Collection[Facet] | None, pack: str | None, detail: bool) -> ColumnarLoad:
    from permanence_core.adapters.ssda903 import load

    options: dict[str, Any] = {"pack": pack}
    if facets is not None:
        options["facets"] = sorted(facet.value for facet in facets)
    loaded = load(source, options)
    return ColumnarLoad(
        cohort=cohort_from_records(loaded.records),
        detail=detail_from_records(loaded.records) if detail else None,
        rejected=loaded.rejected,
        read=loaded.read,
        notices=loaded.notices,
        by_object_reader=len(loaded.records),
    )


def _read(layout: Layout, facets: Collection[Facet] | None, detail: bool) -> ColumnarLoad:
    assembler = Assembler()
    notices = list(layout.ignored)
    files = []
    for table, csv_table in _recognised(layout, layout.collections[0].csv_files, notices, assembler):
        assert csv_table.recognised is not None  # only recognised tables are returned
        # Only the id and the checked columns: the object reader keeps no other value a cohort or a rejection shows.
        positions = [
            at if column == "CHILD" or column in CHECKS[table.name] else None
            for column, at in zip(table.columns, csv_table.recognised.positions, strict=True)
        ]
        rows = read_rows(csv_table.path, positions, len(csv_table.header), csv_table.delimiter)
        files.append(_File(table, layout.name(csv_table.path), rows, len(csv_table.header)))
    frames = {table.name: _checked(table, files) for table in tables.TABLES}
    flagged = _flagged(frames).implode()
    order = pl.concat([frame.select("_child") for frame in frames.values()]).drop_nulls().unique(maintain_order=True)
    slow_rows = {
        name: frame.filter(pl.col("_child").is_null() | pl.col("_child").is_in(flagged))
        for name, frame in frames.items()
    }
    frames = {
        name: frame.select("_child", pl.selectors.starts_with("p_")).filter(
            pl.col("_child").is_not_null() & ~pl.col("_child").is_in(flagged)
        )
        for name, frame in frames.items()
    }
    fast_read = sum(frame.height for frame in frames.values())
    _feed(assembler, files, slow_rows)
    records, stitching = assembler.records()
    fast_children = order.filter(~pl.col("_child").is_in(flagged))
    available = RETURN_FACETS - frozenset(f for t in assembler.lost for f in WITHHELD_BY.get(t, frozenset()))
    fast, stats = _fast_cohort(frames, fast_children, available)
    slow = cohort_from_records(records)
    returned = _in_order(
        Cohort(**{name: pl.concat([getattr(fast, name), getattr(slow, name)]) for name in SCHEMAS}), order
    )
    counts = tuple(
        attrs.evolve(count, read=count.read + frames[count.table].height if count.table in frames else count.read)
        for count in assembler.table_counts()
    )
    read = sum(count.read for count in counts)
    assert read == fast_read + sum(count.read for count in assembler.table_counts())
    merged = attrs.evolve(
        stitching, **{name: getattr(stitching, name) + stats.get(name, 0) for name in _STITCHING_COUNTS}
    )
    notices.extend(_summary(counts, merged))
    rejected = tuple(assembler.rejected)
    if layout.pack is not None:
        from permanence_core.adapters.pack.cohort import read_pack_cohort

        workers = _workers(frames, records) if detail else None
        pack = read_pack_cohort(layout.pack, returned, facets, detail=detail, returned_workers=workers)
        return ColumnarLoad(
            cohort=pack.cohort,
            detail=pack.detail,
            rejected=rejected + pack.rejected,
            read=read + pack.read,
            notices=tuple(notices) + pack.notices,
            by_object_reader=len(records),
            pack_by_object_reader=pack.by_object_reader,
        )
    return ColumnarLoad(
        cohort=returned,
        # The return names no child: each child's name is its id (as ``Child.display_name`` gives it).
        detail=CohortDetail(
            names=returned.children.select("child_id", pl.col("child_id").alias("name")),
            workers=_workers(frames, records),
        )
        if detail
        else None,
        rejected=rejected,
        read=read,
        notices=tuple(notices),
        by_object_reader=len(records),
    )


def _workers(frames: Mapping[str, pl.DataFrame], records: Sequence[CaseRecord]) -> pl.DataFrame:
    """The detail table of the return's allocated social workers (SWEpisodes, as ``rows.social_worker`` makes
    them): the checked rows' of the children read here, then those of the object reader's records."""
    fast = frames[tables.SW_EPISODES.name].select(
        pl.col("_child").alias("child_id"),
        pl.col("p_SW_ID").alias("worker_id"),
        pl.lit(WorkerRole.SOCIAL_WORKER.value).alias("role"),
        pl.lit(None, dtype=pl.String()).alias("name"),
        pl.lit(None, dtype=pl.String()).alias("team"),
        pl.col("p_SW_DECOM").alias("start"),
        pl.col("p_SW_DEC").alias("end"),
    )
    schema = pl.Schema(DETAIL_SCHEMAS["workers"])
    return pl.concat([fast.cast(schema), detail_from_records(records).workers])


def _in_order(cohort: Cohort, order: pl.DataFrame) -> Cohort:
    """Children in the order they first appear in the return, as the object reader gives them."""
    ranked = order.with_row_index("_rank").rename({"_child": "child_id"})
    return Cohort(
        **{
            name: getattr(cohort, name)
            .join(ranked, on="child_id", how="left", maintain_order="left")
            .sort("_rank", maintain_order=True)
            .drop("_rank")
            for name in SCHEMAS
        }
    )


def _checked(table: tables.Table, files: list[_File]) -> pl.DataFrame:
    """The rows of ``table`` from every file, each value checked: ``_file`` (index in ``files``), ``line``,
    ``_problem`` (the row's width is wrong), ``_child`` (its id; null when the row has none), the raw columns,
    ``p_COLUMN`` for each checked column (the value as kept) and ``_ok`` (every check passed)."""
    parts = [
        file.rows.frame.rename({f"c{i}": column for i, column in enumerate(table.columns)}).with_columns(
            pl.lit(at, dtype=pl.Int32).alias("_file"), (pl.col("fields") != file.width).alias("_problem")
        )
        for at, file in enumerate(files)
        if file.table is table
    ]
    if not parts:
        schema: dict[str, pl.DataType] = {"_file": pl.Int32(), "line": pl.Int64(), "fields": pl.Int64()}
        schema.update({column: pl.String() for column in table.columns})
        frame = pl.DataFrame(schema=schema).with_columns(pl.lit(False).alias("_problem"))
    else:
        frame = pl.concat(parts, how="vertical_relaxed")
    frame = frame.with_columns(child_ids(frame["CHILD"]).alias("_child"))
    ok = ~frame["_problem"]
    for column, check in CHECKS[table.name].items():
        value, passed = checked(frame[column], check, kept_type(column), refused=REFUSED)
        frame = frame.with_columns(value.alias(f"p_{column}"))
        ok = ok & passed
    return frame.with_columns(ok.alias("_ok"))


def _flagged(frames: Mapping[str, pl.DataFrame]) -> pl.Series:
    """Every child the object reader must read: a row that fails a check, repeats a key of the child's, ends
    before it starts or is dated before the child's birth."""
    bad = [frame.filter(~pl.col("_ok"))["_child"] for frame in frames.values()]
    for name, keys in _KEYS.items():
        keyed = frames[name].select("_child", *(f"p_{key}" for key in keys)).filter(pl.col("_child").is_not_null())
        bad.append(keyed.filter(keyed.is_duplicated())["_child"])
    for name, (start, end) in _ORDERED.items():
        bad.append(frames[name].filter(pl.col(f"p_{end}") < pl.col(f"p_{start}"))["_child"])
    born = frames[tables.HEADER.name].filter(pl.col("_child").is_not_null()).select("_child", "p_DOB")
    for name, column in _AFTER_BIRTH.items():
        dated = frames[name].select("_child", f"p_{column}").join(born, on="_child", how="inner")
        bad.append(dated.filter(pl.col(f"p_{column}") < pl.col("p_DOB"))["_child"])
    return pl.concat(bad).drop_nulls().unique()


def _feed(assembler: Assembler, files: list[_File], slow_rows: Mapping[str, pl.DataFrame]) -> None:
    """Give the Assembler every row of a flagged child and every row with no child, file by file as the object
    reader does, so that its rejections come in the object reader's order."""
    for at, file in enumerate(files):
        rows = slow_rows[file.table.name].filter(pl.col("_file") == at)
        take = assembler.sink(file.table, 0, file.name)
        wrong = f"fields where the header has {file.width}"
        for line, fields, *values in rows.select("line", "fields", *file.table.columns).iter_rows():
            take(line, None, tuple(values), None if fields == file.width else (None, None, f"has {fields} {wrong}"))
        if file.rows.unreadable is not None:
            line, reason = file.rows.unreadable
            assembler.reject_unreadable(UNREADABLE, file.name, line, reason)
            # As the object reader: the rows past the fault are unknown, so the table's facets are withheld.
            assembler.lost.add(file.table.name)


_STITCHING_COUNTS = ("closed", "truncated", "started_before", "without_header")


def _fast_cohort(
    frames: Mapping[str, pl.DataFrame], children: pl.DataFrame, available: frozenset[Facet]
) -> tuple[Cohort, dict[str, int]]:
    """The cohort tables of the children whose every row passed, from their checked rows, and what the load's
    notices count of them (episodes closed and cut back, earliest episodes not a start of care, no Header)."""

    def rows(name: str) -> pl.DataFrame:
        return frames[name]

    episodes = sequenced(
        rows(tables.EPISODES.name).select(
            pl.col("_child").alias("child_id"),
            pl.col("p_DECOM").alias("start"),
            pl.col("p_DEC").alias("end"),
            pl.col("p_RNE").alias("rne"),
            pl.col("p_LS").alias("ls"),
            pl.col("p_PLACE").alias("place"),
            pl.col("p_REC").alias("rec"),
        )
    )
    care = periods(episodes)
    care = care.with_columns(outcomes(care["reason_ceased"]).alias("outcome")).select(*SCHEMAS["periods"])
    reviews = rows(tables.REVIEWS.name).select(
        pl.col("_child").alias("child_id"), pl.col("p_REVIEW").alias("date"), pl.lit(True).alias("held")
    )
    adopted = rows(tables.AD1.name).select(
        pl.col("_child").alias("child_id"),
        pl.col("p_DATE_INT").alias("_int"),
        pl.col("p_DATE_MATCH").alias("adoption_match"),
    )
    latest = (
        rows(tables.PLACED_ADOPTION.name)
        .sort("p_DATE_PLACED")
        .group_by("_child")
        .agg(
            pl.col("p_DATE_PLACED").last().alias("_placed"),
            pl.col("p_DATE_PLACED_CEASED").last().alias("adoption_reversal"),
        )
        .rename({"_child": "child_id"})
    )
    facets = {f"covers_{facet.value}": pl.lit(facet in available) for facet in Facet}
    base = children.rename({"_child": "child_id"})
    summary = (
        base.join(adopted, on="child_id", how="left")
        .join(latest, on="child_id", how="left")
        .join(adoption_dates(episodes), on="child_id", how="left")
        .with_columns(
            pl.coalesce("_int", "_placed").alias("adoption_decision"),
            pl.lit(None, dtype=pl.Date).alias("permanence_decision_date"),
            **facets,
        )
        .select(*SCHEMAS["children"])
    )
    first_episodes = episodes.group_by("child_id").agg(pl.col("rne").first())
    headed = frames[tables.HEADER.name]["_child"].implode()
    stats = {
        "closed": int(episodes["closed"].sum()),
        "truncated": int(episodes["truncated"].sum()),
        "started_before": first_episodes.filter(pl.col("rne") != STARTED).height,
        "without_header": base.filter(~pl.col("child_id").is_in(headed)).height,
    }
    cohort = Cohort(
        children=summary.cast(pl.Schema(SCHEMAS["children"])),
        periods=care.cast(pl.Schema(SCHEMAS["periods"])),
        legal_statuses=legal_statuses(episodes)
        .select(*SCHEMAS["legal_statuses"])
        .cast(pl.Schema(SCHEMAS["legal_statuses"])),
        reviews=reviews.cast(pl.Schema(SCHEMAS["reviews"])),
    )
    return cohort, stats
