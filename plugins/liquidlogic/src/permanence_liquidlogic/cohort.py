"""The LCS warehouse read straight into cohort tables, equal to the object reader's, several times faster.

The same queries as the object reader (:func:`~permanence_liquidlogic.tables.queries`) are fetched into polars
frames (:mod:`.frames`). Every value is read once per distinct value by the object reader's own functions, and
each row checked as the object reader checks it. A person with any row the object reader would reject (or load
without a value), or whose rows depend on another person's (a key two people share, a case id two people share,
a meeting recorded two ways), is *flagged*: all of their rows, and every row naming no person, go through the
object reader (:func:`~permanence_liquidlogic.reader.build`) at their own positions, so its rejections name the
same rows in the same order as a full object load. The other people's cohort rows are derived with column
expressions from the same rules (care.py, reviews.py, adoption.py, plans.py, meetings.py). Notices count the
whole warehouse. A warehouse whose columns are not of one type each is read whole by the object reader.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Collection, Mapping
from typing import Any

import attrs
import polars as pl

from permanence_core import codes
from permanence_core.adapters.base import CohortLoad
from permanence_core.adapters.database import connect, source_of, to_text
from permanence_core.adapters.distinct_checks import outcomes
from permanence_core.adapters.people_rows import rows_of
from permanence_core.adapters.warehouse import Survey, Warehouse, survey
from permanence_core.cohort import SCHEMAS, Cohort, CohortDetail, cohort_from_records, detail_from_records
from permanence_core.cohort.detail import DETAIL_SCHEMAS
from permanence_core.collector import collector_paused
from permanence_core.model import (
    AdoptionMilestones,
    AllocatedWorker,
    Episode,
    Facet,
    Identifiers,
    PlacementSpell,
    WorkerRole,
)
from permanence_liquidlogic.adoption import ADOPTED, PLACEMENT_ORDER
from permanence_liquidlogic.config import PASSWORD_ENV, LiquidlogicConfig
from permanence_liquidlogic.detail import columnar_detail
from permanence_liquidlogic.detail import names as detail_names
from permanence_liquidlogic.frames import POSITION, dates, fetch_frame, keys, passes, values
from permanence_liquidlogic.lookups import flag, legal_status_map
from permanence_liquidlogic.meetings import meeting_kinds
from permanence_liquidlogic.persons import sex_of
from permanence_liquidlogic.plans import CONTINGENCY, MARKS, PRIMARY, TICKED, agreed_status, answer_codes, route_of
from permanence_liquidlogic.reader import Built, build, counted, coverage_of
from permanence_liquidlogic.tables import (
    ADOPTION,
    ANSWERS,
    CARE_PLANS,
    EPISODES,
    INVOLVEMENTS,
    KEYS,
    LEGAL_STATUS,
    MEETINGS,
    PERSON,
    PERSON_ID,
    PLACEMENTS,
    REVIEW_MEETINGS,
    REVIEWS,
    UNKNOWN,
    WORKERS,
    Fetched,
    layout,
    queries,
)
from permanence_liquidlogic.workers import team_of, worker_name, worker_roles

log = logging.getLogger(__name__)

_UNKNOWN = str(UNKNOWN)
# A day any date validator accepts, to check one coded field of a model object at a time.
_SOME_DAY = dt.date(2000, 1, 1)
_PERSON = "_person"
_CASE_ID = attrs.fields(Identifiers).case_id
_OK = "_ok"
#: The order a form's ticked answers are taken as the primary plan in (plans.py's ``_plan``).
_PRIMARY_RANK = {PRIMARY: 0, TICKED: 1, CONTINGENCY: 2}


@attrs.frozen(kw_only=True)
class ColumnarLoad(CohortLoad):
    """A cohort load, and how many of its children the object reader read (flagged, or the whole warehouse)."""

    by_object_reader: int = 0


def read_cohort(
    source: str,
    config: LiquidlogicConfig,
    facets: Collection[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
    *,
    detail: bool = False,
) -> ColumnarLoad:
    """Load the warehouse at ``source`` as ``read`` would, into cohort tables (``facets`` and ``progress``: as
    ``read``'s); with ``detail``, the detail tables too, equal to ``detail_from_records`` of ``read``'s records."""
    with collector_paused(), connect(source, password_env=PASSWORD_ENV, attach=config.sqlite_attach) as connection:
        found = survey(connection, layout(config).only(facets), config.schema, config.columns)
        found.require(source_of(connection))
        frames: dict[str, pl.DataFrame] = {}
        selects = queries(config, Warehouse(connection, found))
        tables = [name for name in selects if name != REVIEW_MEETINGS]
        for name, query in selects.items():
            frame = fetch_frame(connection, query)
            if frame is None:
                break
            frames[name] = frame
            if progress is not None and name != REVIEW_MEETINGS:
                progress(len([table for table in tables if table in frames]), len(tables))
        else:
            return _Reader(frames, found, config, layout(config).left_out(facets), detail=detail).load()
    log.info("liquidlogic: a column holds values of several types; the warehouse is read by the object reader")
    from permanence_liquidlogic.reader import read

    loaded = read(source, config, facets, progress)
    return ColumnarLoad(
        cohort=cohort_from_records(loaded.records),
        detail=detail_from_records(loaded.records) if detail else None,
        rejected=loaded.rejected,
        read=loaded.read,
        notices=loaded.notices,
        by_object_reader=len(loaded.records),
    )


def _struct(columns: Collection[str]) -> pl.Expr:
    return pl.struct(*columns) if len(columns) > 1 else pl.col(next(iter(columns)))


class _Reader:
    """One load: the frames read, the people flagged for the object reader, and the cohort of the others."""

    def __init__(
        self,
        frames: dict[str, pl.DataFrame],
        found: Survey,
        config: LiquidlogicConfig,
        left_out: list[str],
        *,
        detail: bool = False,
    ) -> None:
        self.raw = frames
        self.survey = found
        self.config = config
        #: Whether the load gives the detail tables too.
        self.detail = detail
        #: Each kept subject row of a held meeting (``_person``, ``meeting_id``), in table order: the meetings'
        #: children, for the detail tables.
        self.subjects = pl.DataFrame(schema={_PERSON: pl.String, "meeting_id": pl.String})
        self.notices: list[str] = []
        self.coverage = coverage_of(Fetched(rows={}, survey=found), config, self.notices)
        if left_out:
            self.notices.append(f"only the facets needed were read; not loaded: {', '.join(left_out)}")
        #: Person ids (DIM_PERSON_ID keys) whose rows the object reader reads.
        self.flagged: list[pl.Series] = []
        #: DIM_PERSON rows marked duplicated (a notice counts them).
        self.merged = 0

    # -- rows as TableRows.unique and People.known see them ---------------------------------------------------

    def _keyed(self, name: str, *, people: pl.Series | None) -> pl.DataFrame:
        """Table ``name`` with ``_person``, each key part as text, ``_unique`` (TableRows.unique passes it) and
        ``_ok`` (unique, and a person People.known knows); people of rows in a repeated key are flagged."""
        frame = self.raw[name]
        parts = KEYS[name]
        frame = frame.with_columns(
            *(keys(frame[part]).alias(f"_k_{part}") for part in parts),
            keys(frame[PERSON_ID]).alias(_PERSON),
        )
        key = [f"_k_{part}" for part in parts]
        eligible = pl.all_horizontal(pl.col(column).is_not_null() for column in [*key, _PERSON])
        masked = pl.when(eligible).then(_struct(key))
        frame = frame.with_columns(
            (eligible & masked.is_first_distinct()).alias("_unique"),
            (eligible & masked.is_duplicated()).alias("_repeated"),
        )
        self._flag(frame.filter(pl.col("_repeated"))[_PERSON])
        known = pl.col("_unique") if people is None else pl.col("_unique") & pl.col(_PERSON).is_in(people.implode())
        return frame.with_columns(known.alias(_OK))

    def _flag(self, persons: pl.Series) -> None:
        self.flagged.append(persons.drop_nulls().cast(pl.String))

    def _keep(self, frame: pl.DataFrame, ok: pl.Series | pl.Expr) -> pl.DataFrame:
        """Flag the people of rows failing ``ok``; the frame with ``_ok`` narrowed to it."""
        frame = frame.with_columns((pl.col(_OK) & ok).alias(_OK))
        self._flag(frame.filter(~pl.col(_OK))[_PERSON])
        return frame

    # -- the load ---------------------------------------------------------------------------------------------

    def load(self) -> ColumnarLoad:
        people = self._people()
        known = people[_PERSON]
        care = self._care(known)
        reviews, outcome_forms = self._reviews(known) if Facet.REVIEWS in self.coverage else (None, {})
        adoption, superseded = self._adoption(known) if Facet.ADOPTION in self.coverage else (None, 0)
        plans = self._plans(known, outcome_forms) if Facet.PLANS in self.coverage else None
        meetings, cancelled = self._meetings(known) if Facet.MEETINGS in self.coverage else (None, 0)
        workers = self._workers(known) if Facet.WORKERS in self.coverage else None

        flagged = pl.concat([pl.Series(_PERSON, [], dtype=pl.String), *self.flagged]).unique()
        slow = self._object_reader(flagged, outcome_forms)
        fast_people = people.filter(~pl.col(_PERSON).is_in(flagged.implode()))
        in_care = care["periods"][_PERSON].unique().implode()
        not_in_care = fast_people.filter(~pl.col(_PERSON).is_in(in_care)).height + slow.not_in_care
        fast_people = fast_people.filter(pl.col(_PERSON).is_in(in_care))
        fast = self._fast_cohort(fast_people, care, reviews, adoption, plans, meetings)
        records_cohort = cohort_from_records(slow.records)
        order = pl.concat(
            [fast_people.select(pl.col("_case").alias("child_id"), POSITION), _slow_order(slow, people)]
        ).sort(POSITION)
        cohort = Cohort(
            **{
                name: _in_order(pl.concat([getattr(fast, name), getattr(records_cohort, name)]), order)
                for name in SCHEMAS
            }
        )
        self.notices.extend(counted(self.merged, not_in_care, cancelled, superseded))
        read = sum(frame.height for name, frame in self.raw.items() if name != REVIEW_MEETINGS)
        return ColumnarLoad(
            cohort=cohort,
            detail=self._detail(fast_people, plans, workers, slow, cohort, order) if self.detail else None,
            rejected=slow.rejected,
            read=read,
            notices=self.notices,
            by_object_reader=len(slow.records),
        )

    def _detail(
        self,
        people: pl.DataFrame,
        plans: dict[str, pl.DataFrame] | None,
        workers: pl.DataFrame | None,
        slow: Built,
        cohort: Cohort,
        order: pl.DataFrame,
    ) -> CohortDetail:
        """The detail tables of the children read by columns (``people``) and of the object reader's."""
        ids = people.select(_PERSON, pl.col("_case").alias("child_id"))
        fast = {"names": detail_names(people.select(pl.col("_case").alias("child_id"), "FORENAME", "SURNAME"))}
        if plans is not None:
            fast["plan_ids"] = (
                plans["plans"].join(ids, on=_PERSON).select("child_id", "seq", pl.col("form").alias("plan_id"))
            )
        if workers is not None:
            fast["workers"] = workers.join(ids, on=_PERSON, maintain_order="left").select(
                "child_id", pl.exclude("child_id", _PERSON)
            )
        children = pl.concat(
            [
                ids,
                pl.DataFrame(
                    {_PERSON: slow.persons, "child_id": [record.child_id for record in slow.records]},
                    schema={_PERSON: pl.String, "child_id": pl.String},
                ),
            ]
        )
        subjects = self.subjects.join(children, on=_PERSON, maintain_order="left").select("meeting_id", "child_id")
        detail = columnar_detail(fast, cohort.meetings, subjects, slow.records)
        return CohortDetail(**{name: _in_order(getattr(detail, name), order) for name in DETAIL_SCHEMAS})

    # -- DIM_PERSON -------------------------------------------------------------------------------------------

    def _people(self) -> pl.DataFrame:
        """The people of DIM_PERSON (People's ``people``), with ``_case``, their case id; the odd ones flagged."""
        frame = self._keyed(PERSON, people=None)
        frame = frame.filter(pl.col("_unique") & (pl.col(_PERSON) != _UNKNOWN))
        merged = values(frame["DUPLICATED_DTTM"], to_text, pl.String()).is_not_null()
        self.merged = int(merged.sum())
        frame = frame.filter(~merged)
        frame = frame.with_columns(keys(frame[self.config.person_id_field]).alias("_case"))

        def upn(value: Any) -> None:
            Identifiers(case_id="x", upn=to_text(value))

        def case_id(value: Any) -> None:
            # The model's own validator, without building an Identifiers for each of the people.
            if value is not None and _CASE_ID.validator is not None:
                _CASE_ID.validator(None, _CASE_ID, value)

        def gender(value: Any) -> None:
            text = to_text(value)
            if text and sex_of(text) is None:
                raise ValueError(text)

        ok = (
            pl.col("_case").is_not_null()
            & ~pl.col("_case").is_duplicated()
            & passes(frame["_case"], case_id)
            & passes(frame["UPN"], upn)
            & dates(frame["BIRTH_DTTM"])[1]
            & passes(frame["GENDER_MAIN_CODE"], gender)
        )
        frame = frame.with_columns(ok.alias(_OK))
        self._flag(frame.filter(~pl.col(_OK))[_PERSON])
        # The names stay for the detail tables (one names table row per child).
        return frame.select(_PERSON, "_case", POSITION, "FORENAME", "SURNAME")

    # -- care -------------------------------------------------------------------------------------------------

    def _care(self, people: pl.Series) -> dict[str, pl.DataFrame]:
        """Legal status spells, placements, episodes and periods of care of every person whose rows all pass."""
        legal = self._keyed(LEGAL_STATUS, people=people)
        start, start_ok = dates(legal["START_DTTM"])
        end, end_ok = dates(legal["END_DTTM"])
        descriptions = legal_status_map(self.config.legal_status_map)
        code = values(
            legal["DIM_LOOKUP_LGL_STATUS_DESC"],
            lambda value: descriptions.code(text) if (text := to_text(value)) else None,
            pl.String(),
        )
        legal = legal.with_columns(start.alias("start"), end.alias("end"), code.alias("code"))
        legal = self._keep(
            legal,
            start_ok & end_ok & start.is_not_null() & code.is_not_null() & ~(end < start).fill_null(False),
        )
        placements = self._placements(people)
        episodes = self._keyed(EPISODES, people=people)
        start, start_ok = dates(episodes["CARE_START_DATE"])
        end, end_ok = dates(episodes["CARE_END_DATE"])
        reason = values(episodes["CARE_REASON_END_CODE"], to_text, pl.String())

        def reason_ceased(value: Any) -> None:
            Episode(start=_SOME_DAY, reason_ceased=value)

        episodes = episodes.with_columns(
            start.alias("start"), end.alias("end"), reason.alias("rec"), keys(episodes["FACT_CLA_ID"]).alias("cla")
        )
        episodes = self._keep(
            episodes,
            pl.col("cla").is_not_null()
            & start_ok
            & end_ok
            & start.is_not_null()
            & ~(end < start).fill_null(False)
            & passes(reason, reason_ceased),
        )
        # A person with legal statuses and no episode is rejected by the object reader.
        with_episodes = episodes[_PERSON].unique().implode()
        self._flag(legal.filter(~pl.col(_PERSON).is_in(with_episodes))[_PERSON])
        spells = legal.filter(pl.col(_OK)).select(_PERSON, "code", "start", "end", POSITION)
        kept = episodes.filter(pl.col(_OK)).select(_PERSON, "cla", "start", "end", "rec", POSITION)
        # Each episode's legal status: the latest spell begun by its start and not ended (ties: the first read).
        # It decides only whether a period is a short break, so only people with a short-break spell need it.
        breaks = list(codes.SHORT_BREAK_LEGAL_STATUSES)
        with_breaks = spells.filter(pl.col("code").is_in(breaks))[_PERSON].unique().implode()
        status = (
            kept.filter(pl.col(_PERSON).is_in(with_breaks))
            .select(_PERSON, POSITION, "start")
            .join(spells.rename({"start": "s_start", "end": "s_end", POSITION: "s_pos"}), on=_PERSON)
            .filter(
                (pl.col("s_start") <= pl.col("start"))
                & (pl.col("s_end").is_null() | (pl.col("start") < pl.col("s_end")))
            )
            .sort("s_start", "s_pos", descending=[True, False])
            .group_by(_PERSON, POSITION)
            .agg(pl.col("code").first().alias("ls"))
        )
        kept = kept.join(status, on=[_PERSON, POSITION], how="left")
        ordered = kept.sort(_PERSON, "cla", "start", POSITION)
        periods = (
            ordered.group_by(_PERSON, "cla")
            .agg(
                pl.col("start").first(),
                pl.col("end").max().alias("_last"),
                pl.col("end").is_null().any().alias("_open"),
                pl.col("rec").filter(pl.col("end") == pl.col("end").max()).first().alias("_rec"),
                pl.col("ls").is_in(breaks).fill_null(False).all().alias("short_break"),
            )
            .with_columns(
                pl.when(~pl.col("_open")).then(pl.col("_last")).alias("end"),
                pl.when(~pl.col("_open")).then(pl.col("_rec")).alias("reason_ceased"),
            )
        )
        periods = periods.with_columns(outcomes(periods["reason_ceased"]).alias("outcome"))
        return {"spells": spells, "placements": placements, "periods": periods}

    def _placements(self, people: pl.Series) -> pl.DataFrame:
        empty = pl.DataFrame(schema={_PERSON: pl.String, "start": pl.Date, "type": pl.String})
        if PLACEMENTS not in self.raw:
            return empty
        frame = self._keyed(PLACEMENTS, people=people)
        start, start_ok = dates(frame["START_DTTM"])
        end, end_ok = dates(frame["END_DTTM"])
        kind = values(frame["DIM_LOOKUP_PLACEMENT_TYPE_CODE"], to_text, pl.String())

        def placement_type(value: Any) -> None:
            PlacementSpell(placement_type=value, start=_SOME_DAY)

        # care.py checks provider and change reason against the code lists PlacementSpell validates them with.
        def provider(value: Any) -> None:
            PlacementSpell(placement_type=None, start=_SOME_DAY, provider=to_text(value))

        def change_reason(value: Any) -> None:
            PlacementSpell(placement_type=None, start=_SOME_DAY, reason_change=to_text(value))

        frame = frame.with_columns(start.alias("start"), kind.alias("type"))
        frame = self._keep(
            frame,
            start_ok
            & end_ok
            & start.is_not_null()
            & kind.is_not_null()
            & passes(kind, placement_type)
            & passes(frame["DIM_LOOKUP_PLACEMENT_PROVIDER_CODE"], provider)
            & passes(frame["DIM_LOOKUP_PLAC_CHNG_REAS_CODE"], change_reason)
            & ~(end < start).fill_null(False),
        )
        return frame.filter(pl.col(_OK)).select(_PERSON, "start", "type")

    # -- reviews ----------------------------------------------------------------------------------------------

    def _reviews(self, people: pl.Series) -> tuple[pl.DataFrame, dict[str, dt.date]]:
        """Every person's reviews (date, held), and the held review each outcome form records (all people's)."""
        joined = self.raw.get(REVIEW_MEETINGS)
        if joined is None:
            meetings = pl.DataFrame(schema={"_rid": pl.String, "_cancelled": pl.Boolean, "_form": pl.String})
        else:
            # The first row per review, as fetch_all keeps it.
            meetings = (
                joined.with_columns(keys(joined["FACT_CLA_REVIEW_ID"]).fill_null("").alias("_rid"))
                .unique("_rid", keep="first", maintain_order=True)
                .select("_rid", "CANCELLED", "FACT_OUTCM_FORM_ID")
            )
            meetings = meetings.select(
                "_rid",
                values(meetings["CANCELLED"], lambda value: bool(flag(value)), pl.Boolean()).alias("_cancelled"),
                keys(meetings["FACT_OUTCM_FORM_ID"]).alias("_form"),
            )
        frame = self._keyed(REVIEWS, people=people)
        due, due_ok = dates(frame["DUE_DTTM"])
        held, held_ok = dates(frame["MEETING_DTTM"])
        frame = frame.with_columns(held.alias("date"), due.alias("due"))
        frame = self._keep(frame, due_ok & held_ok & (due.is_not_null() | held.is_not_null()))
        frame = frame.join(
            meetings, left_on="_k_FACT_CLA_REVIEW_ID", right_on="_rid", how="left", maintain_order="left"
        )
        frame = frame.with_columns(pl.col("_cancelled").fill_null(False))
        recorded = frame.filter(
            pl.col(_OK) & pl.col("date").is_not_null() & ~pl.col("_cancelled") & pl.col("_form").is_not_null()
        )
        outcome_forms = dict(zip(recorded["_form"].to_list(), recorded["date"].to_list(), strict=True))
        reviews = frame.filter(pl.col(_OK)).select(
            _PERSON, "date", (pl.col("date").is_not_null() & ~pl.col("_cancelled")).alias("held")
        )
        return reviews, outcome_forms

    # -- adoption ---------------------------------------------------------------------------------------------

    def _adoption(self, people: pl.Series) -> tuple[pl.DataFrame, int]:
        """Each person's latest FACT_ADOPTION row's dates, and how many people have several rows."""
        frame = self._keyed(ADOPTION, people=people)
        parsed = {column: dates(frame[column]) for column in _ADOPTION_DATES}
        every = pl.all_horizontal(*(ok for _value, ok in parsed.values()))
        frame = frame.with_columns(*(value.alias(column) for column, (value, _ok) in parsed.items()))
        usable = frame.filter(pl.col(_OK) & every)
        superseded = usable.group_by(_PERSON).len().filter(pl.col("len") > 1).height

        def reason(value: Any) -> None:
            # adoption.py's check: the code list AdoptionMilestones validates the reason with.
            AdoptionMilestones(reversal_reason=to_text(value))

        self._keep(frame, every & passes(frame["DIM_LOOKUP_ADOP_REASON_CEASED_CODE"], reason))
        latest = (
            usable.with_columns(pl.col("START_DTTM").fill_null(dt.date.min).alias("_start"))
            .sort("_start", POSITION)
            .group_by(_PERSON)
            .agg(pl.all().last())
        )
        return latest.select(_PERSON, *_ADOPTION_DATES), superseded

    # -- plans ------------------------------------------------------------------------------------------------

    def _plans(self, people: pl.Series, outcome_forms: Mapping[str, dt.date]) -> dict[str, pl.DataFrame]:
        """Each person's plans (one per form ticking one) and their status history."""
        config = self.config
        order, annex = answer_codes(config)
        frame = self._keyed(ANSWERS, people=people)
        answered, answered_ok = dates(frame["ANSWERED_DTTM"])
        question = values(frame["ANSWER_NO"], lambda value: (to_text(value) or "").upper(), pl.String())
        mark = values(
            frame["ANSWER"],
            lambda value: MARKS.get(text.upper(), "?") if (text := to_text(value)) else None,
            pl.String(),
        )
        frame = frame.with_columns(
            answered.alias("answered"),
            question.alias("question"),
            mark.alias("mark"),
            keys(frame["FACT_FORM_ID"]).alias("form"),
        )
        repeated = pl.when(pl.col(_OK)).then(pl.struct(_PERSON, "form", "question")).is_duplicated()
        frame = self._keep(
            frame,
            pl.col("form").is_not_null()
            & answered_ok
            & pl.col("question").is_in(list(order))
            & (pl.col("mark") != "?").fill_null(True)
            & ~repeated,
        )
        agreed = self._agreed_care_plans(people)
        kept = frame.filter(pl.col(_OK))
        forms = kept.group_by(_PERSON, "form").agg(pl.col("answered").max())
        ticked = kept.filter(pl.col("mark").is_not_null()).select(
            _PERSON,
            "form",
            "mark",
            pl.col("question").replace_strict(order, return_dtype=pl.Int64).alias("order"),
            pl.col("question").replace_strict(annex, return_dtype=pl.String).alias("annex"),
        )
        routes = {code: route_of(code) for code in set(annex.values())}
        ticked = ticked.with_columns(
            pl.col("annex").replace_strict(routes, return_dtype=pl.String).alias("route"),
            pl.col("mark").replace_strict(_PRIMARY_RANK, return_dtype=pl.Int64).alias("_rank"),
        )
        primary = (
            ticked.sort("_rank", "order")
            .group_by(_PERSON, "form")
            .agg(pl.col("route").first().alias("primary"), pl.col("order").first().alias("_primary_order"))
        )
        others = (
            ticked.join(primary, on=[_PERSON, "form"])
            .filter((pl.col("order") != pl.col("_primary_order")) & (pl.col("route") != pl.col("primary")))
            .sort("order")
            .group_by(_PERSON, "form")
            .agg(pl.col("route").unique(maintain_order=True).alias("contingencies"))
        )
        plans = (
            forms.join(primary, on=[_PERSON, "form"])
            .join(others, on=[_PERSON, "form"], how="left")
            .with_columns(
                pl.col("contingencies").fill_null(pl.lit([], dtype=pl.List(pl.String))),
                pl.col("answered").fill_null(dt.date.min).alias("_sort"),
            )
            .sort(_PERSON, "_sort", "form")
            .with_columns(
                (pl.int_range(pl.len()).over(_PERSON)).cast(pl.Int32).alias("seq"),
                pl.col("answered").shift(-1).over(_PERSON).alias("_following"),
            )
        )
        ratified = pl.DataFrame(
            {"form": list(outcome_forms), "ratified": list(outcome_forms.values())},
            schema={"form": pl.String, "ratified": pl.Date},
        )
        plans = plans.join(ratified, on="form", how="left")
        agreed_on = (
            plans.select(_PERSON, "seq", "answered", "_following")
            .join(agreed, on=_PERSON)
            .filter(
                pl.col("answered").is_not_null()
                & (pl.col("agreed") >= pl.col("answered"))
                & (pl.col("_following").is_null() | (pl.col("agreed") < pl.col("_following")))
            )
            .group_by(_PERSON, "seq")
            .agg(pl.col("agreed").min())
        )
        plans = plans.join(agreed_on, on=[_PERSON, "seq"], how="left")
        # plans.py's history: agreed (when before any ratification), then ratified.
        stated = plans.filter(
            pl.col("agreed").is_not_null() & (pl.col("ratified").is_null() | (pl.col("agreed") < pl.col("ratified")))
        )
        history = pl.concat(
            [
                stated.select(_PERSON, "seq", pl.lit("agreed").alias("status"), pl.col("agreed").alias("date")),
                stated.filter(pl.col("ratified").is_not_null()).select(
                    _PERSON, "seq", pl.lit("ratified").alias("status"), pl.col("ratified").alias("date")
                ),
            ]
        )
        return {"plans": plans, "history": history}

    def _agreed_care_plans(self, people: pl.Series) -> pl.DataFrame:
        if CARE_PLANS not in self.raw:
            return pl.DataFrame(schema={_PERSON: pl.String, "agreed": pl.Date})
        frame = self._keyed(CARE_PLANS, people=people)
        start, start_ok = dates(frame["START_DTTM"])
        status = values(
            frame["DIM_LOOKUP_PLAN_STATUS_ID_CODE"],
            agreed_status(self.config),
            pl.Boolean(),
        )
        frame = self._keep(frame.with_columns(start.alias("agreed")), start_ok)
        return frame.filter(pl.col(_OK) & status & pl.col("agreed").is_not_null()).select(_PERSON, "agreed")

    # -- meetings ---------------------------------------------------------------------------------------------

    def _meetings(self, people: pl.Series) -> tuple[pl.DataFrame, int]:
        """Each person's permanence meetings, and how many cancelled meetings were left out."""
        kinds = {code: kind.value for code, kind in meeting_kinds(self.config).items()}
        frame = self._keyed(MEETINGS, people=people)
        cancelled = values(frame["CANCELLED"], lambda value: bool(flag(value)), pl.Boolean())
        day, day_ok = dates(frame["ACTUAL_DTTM"])
        kind = values(
            frame["DIM_LOOKUP_MTG_TYPE_ID_CODE"], lambda value: kinds.get((to_text(value) or "").upper()), pl.String()
        )
        frame = frame.with_columns(
            cancelled.alias("_cancelled"),
            day.alias("date"),
            kind.alias("kind"),
            pl.col("_k_FACT_MEETING_ID").fill_null("").alias("meeting_id"),
        )
        count = frame.filter(pl.col(_OK) & pl.col("_cancelled"))["meeting_id"].n_unique()
        good = day_ok & day.is_not_null() & kind.is_not_null()
        frame = self._keep(frame, pl.col("_cancelled") | good)
        held = frame.filter(pl.col(_OK) & ~pl.col("_cancelled"))
        self.subjects = held.select(_PERSON, "meeting_id")
        # A meeting read two ways is one meeting to the object reader (its last row wins): its people go there.
        twice = held.group_by("meeting_id").agg(pl.struct("kind", "date").n_unique().alias("n")).filter(pl.col("n") > 1)
        self._flag(frame.filter(pl.col("meeting_id").is_in(twice["meeting_id"].implode()))[_PERSON])
        first = held.group_by("meeting_id").agg(pl.col(POSITION).min().alias("_first"))
        meetings = held.join(first, on="meeting_id").select(_PERSON, "meeting_id", "kind", "date", "_first")
        return meetings, count

    # -- workers ----------------------------------------------------------------------------------------------

    def _workers(self, people: pl.Series) -> pl.DataFrame | None:
        """Flag the people with an involvement the object reader rejects (workers are no cohort table); with the
        detail tables, every person's allocated workers as the object reader makes them (``_person`` and the
        workers table's columns), in involvement order."""
        config = self.config
        roles = worker_roles(config)
        workers = self.raw[WORKERS]
        workers = workers.with_columns(keys(workers["DIM_WORKER_ID"]).fill_null("").alias("_wid")).unique(
            "_wid", keep="first", maintain_order=True
        )
        ids = workers.select("_wid", keys(workers[config.worker_id_field]).alias("_worker"))
        if self.detail:
            # DIM_WORKER holds the allocated workers alone (a few thousand rows): each name by workers.py's rule.
            named = [worker_name(*row) for row in workers.select("FORENAME", "SURNAME").iter_rows()]
            ids = ids.with_columns(
                pl.Series("name", named, dtype=pl.String), workers["DEPARTMENT_NAME"].alias("_worker_department")
            )
        frame = self._keyed(INVOLVEMENTS, people=people)
        frame = frame.with_columns(keys(frame["DIM_WORKER_ID"]).fill_null("").alias("_wid"))
        frame = frame.join(ids, on="_wid", how="left", maintain_order="left")
        start, start_ok = dates(frame["START_DTTM"])
        end, end_ok = dates(frame["END_DTTM"])
        role = values(
            frame["DIM_LOOKUP_INVOLVEMENT_TYPE_CODE"],
            lambda value: roles.get((to_text(value) or "").upper()),
            pl.String(),
        )

        def worker(value: Any) -> None:
            AllocatedWorker(worker_id=value, role=WorkerRole.SOCIAL_WORKER)

        frame = frame.with_columns(role.alias("role"), start.alias("start"), end.alias("end"))
        frame = self._keep(
            frame,
            frame["_wid"].is_in(ids["_wid"].implode())
            & role.is_not_null()
            & start_ok
            & end_ok
            & frame["_worker"].is_not_null()
            & passes(frame["_worker"], worker)
            & ~(end < start).fill_null(False),
        )
        if not self.detail:
            return None
        kept = frame.filter(pl.col(_OK))
        return _with_teams(kept).select(
            _PERSON, pl.col("_worker").alias("worker_id"), "role", "name", "team", "start", "end"
        )

    # -- the object reader, for the flagged people --------------------------------------------------------------

    def _object_reader(self, flagged: pl.Series, outcome_forms: Mapping[str, dt.date]) -> Built:
        """The object reader's build over every row of the flagged people and every row naming no person."""
        subset: dict[str, list[dict[str, Any]]] = {}
        for name, frame in self.raw.items():
            if name in (REVIEW_MEETINGS, WORKERS):
                continue
            # Positions count from 1 in table order, as POSITION does.
            subset[name] = rows_of(frame.drop(POSITION), keys(frame[PERSON_ID]), flagged)
        if WORKERS in self.raw:
            subset[WORKERS] = self.raw[WORKERS].drop(POSITION).to_dicts()
        review_meetings: dict[str, dict[str, Any]] = {}
        joined = self.raw.get(REVIEW_MEETINGS)
        if joined is not None and REVIEWS in subset:
            picked = [row["FACT_CLA_REVIEW_ID"] for row in subset[REVIEWS]]
            wanted = keys(pl.Series(picked, dtype=self.raw[REVIEWS]["FACT_CLA_REVIEW_ID"].dtype)).implode()
            review = keys(joined["FACT_CLA_REVIEW_ID"]).fill_null("")
            rows = joined.filter(review.is_in(wanted))
            for key, row in zip(
                review.filter(review.is_in(wanted)).to_list(), rows.drop(POSITION).to_dicts(), strict=True
            ):
                # The first row per review, as fetch_all keeps it.
                review_meetings.setdefault(key, row)
        fetched = Fetched(rows=subset, survey=self.survey, review_meetings=review_meetings)
        return build(fetched, self.config, self.coverage, outcome_forms)

    # -- the cohort of the people whose every row passed ---------------------------------------------------------

    def _fast_cohort(
        self,
        people: pl.DataFrame,
        care: dict[str, pl.DataFrame],
        reviews: pl.DataFrame | None,
        adoption: pl.DataFrame | None,
        plans: dict[str, pl.DataFrame] | None,
        meetings: pl.DataFrame | None,
    ) -> Cohort:
        ids = people.select(_PERSON, pl.col("_case").alias("child_id"))

        def of(frame: pl.DataFrame, table: str, *columns: pl.Expr | str) -> pl.DataFrame:
            return frame.join(ids, on=_PERSON).select("child_id", *columns).cast(pl.Schema(SCHEMAS[table]))

        periods = care["periods"]
        tables: dict[str, pl.DataFrame] = {
            "periods": of(periods, "periods", "start", "end", "reason_ceased", "outcome", "short_break"),
            "legal_statuses": of(care["spells"], "legal_statuses", "code", "start", "end"),
        }
        if reviews is not None:
            tables["reviews"] = of(reviews, "reviews", "date", "held")
        if meetings is not None:
            ranked = meetings.sort(_PERSON, "date", "_first").with_columns(
                pl.int_range(pl.len()).over(_PERSON).alias("seq")
            )
            tables["meetings"] = of(
                ranked,
                "meetings",
                "seq",
                "meeting_id",
                "kind",
                "date",
                pl.lit(None, dtype=pl.Date).alias("referral_received_on"),
                pl.lit(None, dtype=pl.Date).alias("minutes_issued_on"),
            )
        if plans is not None:
            tables["plans"] = of(
                plans["plans"],
                "plans",
                "seq",
                "primary",
                "contingencies",
                pl.col("answered").alias("decided_on"),
                pl.col("ratified").alias("ratified_at_review"),
            )
            tables["plan_history"] = of(
                plans["history"], "plan_history", pl.col("seq").alias("plan_seq"), "status", "date"
            )
        children = ids.with_columns(
            **{f"covers_{facet.value}": pl.lit(facet in self.coverage) for facet in Facet},
            permanence_decision_date=pl.lit(None, dtype=pl.Date),
        )
        if adoption is not None:
            children = children.join(self._milestones(adoption, care), on=_PERSON, how="left")
        tables["children"] = children.select(
            [pl.col(name) if name in children.columns else pl.lit(None).alias(name) for name in SCHEMAS["children"]]
        ).cast(pl.Schema(SCHEMAS["children"]))
        return Cohort(**tables)

    @staticmethod
    def _milestones(adoption: pl.DataFrame, care: dict[str, pl.DataFrame]) -> pl.DataFrame:
        """adoption.py's milestones from each latest FACT_ADOPTION row and the person's care history."""
        first_order = (
            care["spells"]
            .filter(pl.col("code") == PLACEMENT_ORDER)
            .group_by(_PERSON)
            .agg(pl.col("start").min().alias("_first_order"))
        )
        placed = (
            adoption.select(_PERSON, "DECISION_DTTM")
            .join(care["placements"], on=_PERSON)
            .filter(
                pl.col("type").is_in(list(codes.PLACED_FOR_ADOPTION))
                & (pl.col("DECISION_DTTM").is_null() | (pl.col("start") >= pl.col("DECISION_DTTM")))
            )
            .group_by(_PERSON)
            .agg(pl.col("start").min().alias("adoption_placed"))
        )
        ordered = (
            care["periods"]
            .filter(pl.col("end").is_not_null() & pl.col("reason_ceased").is_in(list(ADOPTED)))
            .group_by(_PERSON)
            .agg(pl.col("end").min().alias("adoption_order"))
        )
        return (
            adoption.join(first_order, on=_PERSON, how="left")
            .join(placed, on=_PERSON, how="left")
            .join(ordered, on=_PERSON, how="left")
            .select(
                _PERSON,
                pl.col("DECISION_DTTM").alias("adoption_decision"),
                pl.coalesce("PLACEMENT_ORDER_DTTM", "_first_order").alias("adoption_placement_order"),
                pl.col("MATCHING_DTTM").alias("adoption_match"),
                "adoption_placed",
                "adoption_order",
                pl.col("NO_LONGER_PLACED_DTTM").alias("adoption_reversal"),
            )
        )


_ADOPTION_DATES = ("START_DTTM", "DECISION_DTTM", "PLACEMENT_ORDER_DTTM", "MATCHING_DTTM", "NO_LONGER_PLACED_DTTM")


def _with_teams(involvements: pl.DataFrame) -> pl.DataFrame:
    """``involvements`` with each worker's ``team`` by workers.py's rule, once per distinct pair of departments."""
    departments = ["DIM_DEPARTMENT_NAME", "_worker_department"]
    pairs = involvements.select(departments).unique()
    teams = pairs.with_columns(pl.Series("team", [team_of(*pair) for pair in pairs.iter_rows()], dtype=pl.String))
    return involvements.join(teams, on=departments, how="left", nulls_equal=True, maintain_order="left")


def _slow_order(slow: Built, people: pl.DataFrame) -> pl.DataFrame:
    """The object reader's children with their DIM_PERSON position."""
    loaded = pl.DataFrame(
        {"child_id": [record.child_id for record in slow.records], _PERSON: slow.persons},
        schema={"child_id": pl.String, _PERSON: pl.String},
    )
    return loaded.join(people.select(_PERSON, POSITION), on=_PERSON, how="left").select("child_id", POSITION)


def _in_order(frame: pl.DataFrame, order: pl.DataFrame) -> pl.DataFrame:
    """Rows by child in DIM_PERSON order, as the object reader gives its records."""
    ranked = order.with_row_index("_rank").select("child_id", "_rank")
    return (
        frame.join(ranked, on="child_id", how="left", maintain_order="left")
        .sort("_rank", maintain_order=True)
        .drop("_rank")
    )


__all__ = ["ColumnarLoad", "read_cohort"]
