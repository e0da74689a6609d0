"""Reviews, meetings and plans from the workflow tables as column expressions, for the Mosaic fast path.

The same rules as :mod:`.workflow`, :mod:`.forms` and :mod:`.plans`, which stay the reference (the differential
tests hold the two equal). A row those modules would reject, a value they cannot read or a date answer that
differs between the children of one group step makes the load unclean: the object reader then reads it.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs
import polars as pl

from permanence_core.cohort import SCHEMAS
from permanence_core.model import PlanStatus
from permanence_mosaic.columns import dates, each, keys, require, texts, unique
from permanence_mosaic.config import MosaicConfig
from permanence_mosaic.forms import DATE_QUESTIONS, _form_order, answer_notices
from permanence_mosaic.plans import _RANK, plan_notices, route_of
from permanence_mosaic.warehouse import ANSWERS, QUESTIONS, STEPS, SUBJECTS
from permanence_mosaic.workflow import CANCELLED, STARTED, step_notices

_SCHEMA = {name: {c: t for c, t in SCHEMAS[name].items() if c != "seq"} for name in ("reviews", "meetings")}
_STEP_DATES = ("meeting_date", "referral_received", "minutes_issued")


@attrs.frozen
class Workflow:
    """Each child's reviews, meetings and plans as cohort rows (in no order), with the notices the object
    reader gives; ``decided`` is each child's permanence decision date.

    Beyond the cohort's columns, for the detail tables: a meeting's ``subgroup`` (``subjects`` gives the children
    each subgroup's meetings name, in id order as text) and a plan's ``plan_id`` (the step of its first entry)."""

    reviews: pl.DataFrame
    meetings: pl.DataFrame
    plans: pl.DataFrame
    history: pl.DataFrame
    decided: pl.DataFrame
    subjects: pl.DataFrame
    notices: list[str]
    plan_notices: list[str]

    @classmethod
    def empty(cls) -> Workflow:
        """No reviews, meetings or plans: the facets are not read."""
        return cls(
            reviews=pl.DataFrame(schema={**_SCHEMA["reviews"], "_row": pl.UInt32()}),
            meetings=pl.DataFrame(schema={**_SCHEMA["meetings"], "_row": pl.UInt32(), "subgroup": pl.String()}),
            plans=pl.DataFrame(schema={**SCHEMAS["plans"], "plan_id": pl.String()}),
            history=pl.DataFrame(schema=dict(SCHEMAS["plan_history"])),
            decided=pl.DataFrame(schema={"child_id": pl.String(), "permanence_decision_date": pl.Date()}),
            subjects=pl.DataFrame(schema={"subgroup": pl.String(), "children": pl.List(pl.String())}),
            notices=[],
            plan_notices=[],
        )


def read_workflow(
    tables: Mapping[str, pl.DataFrame],
    config: MosaicConfig,
    children: pl.Series,
    periods: pl.DataFrame,
    orders: pl.DataFrame,
) -> Workflow:
    """The workflow facts of ``children``; ``periods`` are theirs (child_id, start, end, outcome, short_break),
    ``orders`` their configured orders (child_id, route, date)."""
    steps = _steps(tables[STEPS])
    about = _about(tables[SUBJECTS], children)
    answers = _answers(tables[QUESTIONS], tables[ANSWERS], config, steps, about)
    step_dates = _step_dates(answers)
    held = steps.join(step_dates, on="step", how="left").with_columns(
        pl.coalesce("meeting_date", pl.when(pl.col("status").is_in(list(STARTED))).then(pl.col("started_on"))).alias(
            "day"
        ),
        (pl.col("status") == CANCELLED).fill_null(False).alias("cancelled"),
    )
    with_children = held.join(about, on="subgroup", how="left", maintain_order="left")
    nobody = held.filter(~pl.col("subgroup").is_in(about["subgroup"].implode())).height
    review_types = [str(t) for t in config.step_types.cla_review]
    kinds = config.step_types.meeting_kinds()
    about_someone = pl.col("child_id").is_not_null()
    is_review = pl.col("type").is_in(review_types)
    is_meeting = pl.col("type").is_in(list(kinds))
    counted = held.filter(pl.col("subgroup").is_in(about["subgroup"].implode()))
    not_begun = counted.filter(is_review & ~pl.col("cancelled") & pl.col("day").is_null()).height
    not_begun += counted.filter(is_meeting & ~pl.col("cancelled") & pl.col("day").is_null()).height
    cancelled = counted.filter(is_meeting & pl.col("cancelled")).height
    reviews = with_children.filter(about_someone & is_review & (pl.col("cancelled") | pl.col("day").is_not_null()))
    meetings = with_children.filter(about_someone & is_meeting & ~pl.col("cancelled") & pl.col("day").is_not_null())
    notices = step_notices(not_begun, cancelled, nobody) + answer_notices(answers.about_others)
    plans, history, decided, not_held = _plans(answers.slots, held, config, periods, orders)
    return Workflow(
        reviews=reviews.select(
            "child_id",
            "_row",
            pl.col("day").alias("date"),
            (pl.col("day").is_not_null() & ~pl.col("cancelled")).alias("held"),
        ),
        meetings=meetings.select(
            "child_id",
            "_row",
            pl.col("step").alias("meeting_id"),
            pl.col("type").replace_strict({t: k.value for t, k in kinds.items()}, return_dtype=pl.String).alias("kind"),
            pl.col("day").alias("date"),
            pl.col("referral_received").alias("referral_received_on"),
            pl.col("minutes_issued").alias("minutes_issued_on"),
            "subgroup",
        ),
        plans=plans,
        history=history,
        decided=decided,
        subjects=about.group_by("subgroup", maintain_order=True).agg(pl.col("child_id").alias("children")),
        notices=notices,
        plan_notices=plan_notices(not_held),
    )


def _steps(frame: pl.DataFrame) -> pl.DataFrame:
    """``read_steps``: the configured steps in row order, each with its type, status, subgroup and start."""
    frame = keys(frame, STEPS, "workflow_step_id", "workflow_step_type_id", "subgroup_id")
    unique(frame, STEPS)
    require(frame["subgroup_id"].null_count() == 0, STEPS, "a step about nobody")
    frame = texts(dates(frame, STEPS, "started_on"), STEPS, "step_status")
    return frame.with_row_index("_row").select(
        "_row",
        pl.col("workflow_step_id").alias("step"),
        pl.col("workflow_step_type_id").fill_null("").alias("type"),
        pl.col("step_status").str.to_uppercase().alias("status"),
        pl.col("subgroup_id").alias("subgroup"),
        "started_on",
    )


def _about(frame: pl.DataFrame, children: pl.Series) -> pl.DataFrame:
    """(subgroup, child_id): each subgroup's looked-after person subjects, in id order as text."""
    frame = keys(frame, SUBJECTS, "subgroup_id", "subject_compound_id")
    unique(frame, SUBJECTS, "subject_compound_id")
    return (
        frame.filter(pl.col("subject_compound_id").is_in(children.implode()))
        .select(pl.col("subgroup_id").alias("subgroup"), pl.col("subject_compound_id").alias("child_id"))
        .sort("subgroup", "child_id")
    )


@attrs.frozen
class _Answers:
    #: One row per (child, step, question name) answer of the latest form: child_id, step, name, value
    #: (text) or day (date), _row (the answer's row, for order).
    slots: pl.DataFrame
    about_others: int


def _answers(
    questions: pl.DataFrame, answers: pl.DataFrame, config: MosaicConfig, steps: pl.DataFrame, about: pl.DataFrame
) -> _Answers:
    """``read_answers``: the configured questions' answers on the configured steps, latest form per child."""
    questions = texts(keys(questions, QUESTIONS, "mapping_id"), QUESTIONS, "question_user_code")
    unique(questions, QUESTIONS)
    names = config.questions.codes()
    mapped = questions.select(pl.col("mapping_id"), pl.col("question_user_code").alias("_mapped"))
    answers = keys(
        answers, ANSWERS, "form_id", "workflow_step_id", "form_answer_row_id", "mapping_id", "subject_person_id"
    )
    answers = texts(answers, ANSWERS, "question_user_code", "text_answer")
    answers = (
        answers.with_row_index("_row")
        .join(mapped, on="mapping_id", how="left", maintain_order="left")
        .with_columns(pl.coalesce("_mapped", "question_user_code").alias("code"))
        .with_columns(pl.col("code").replace_strict(names, default=None, return_dtype=pl.String).alias("name"))
        .filter(pl.col("name").is_not_null())
    )
    require(
        answers.select(pl.col("form_id", "workflow_step_id").is_null().any()).row(0) == (False, False),
        ANSWERS,
        "an empty form or step",
    )
    slot = ["form_id", "form_answer_row_id", "code", "subject_person_id", "workflow_step_id"]
    require(not answers.select(slot).is_duplicated().any(), ANSWERS, "a repeated answer")
    require(answers["workflow_step_id"].is_in(steps["step"].implode()).all(), ANSWERS, "an answer on no loaded step")
    number = each(answers["subject_person_id"], int, pl.Int64(), ANSWERS)
    answers = answers.with_columns(number.alias("_subject"))
    on_step = steps.select(pl.col("step").alias("workflow_step_id"), "subgroup").join(about, on="subgroup")
    group = answers.filter(pl.col("_subject").is_null() | (pl.col("_subject") <= 0)).join(
        on_step, on="workflow_step_id", maintain_order="left"
    )
    own = (
        answers.filter(pl.col("_subject") > 0)
        .join(
            on_step,
            left_on=["workflow_step_id", "subject_person_id"],
            right_on=["workflow_step_id", "child_id"],
            maintain_order="left",
        )
        .with_columns(pl.col("subject_person_id").alias("child_id"))
    )
    about_someone = pl.concat([group.select("_row"), own.select("_row")])["_row"].unique()
    about_others = answers.filter(~pl.col("_row").is_in(about_someone.implode())).height
    columns = ["_row", "child_id", "workflow_step_id", "form_id", "name", "text_answer", "date_answer"]
    expanded = pl.concat([group.select(columns), own.select(columns)]).sort("_row", maintain_order=True)
    dated = expanded.filter(pl.col("name").is_in(list(DATE_QUESTIONS)))
    dated = dates(dated, ANSWERS, "date_answer")
    texted = expanded.filter(~pl.col("name").is_in(list(DATE_QUESTIONS))).with_columns(
        pl.lit(None, dtype=pl.Date).alias("date_answer")
    )
    both = pl.concat(
        [dated.with_columns(pl.lit(None, dtype=pl.String).alias("text_answer")), texted], how="diagonal_relaxed"
    )
    both = both.filter(pl.col("text_answer").is_not_null() | pl.col("date_answer").is_not_null()).sort("_row")
    forms = both["form_id"].unique().to_list()
    rank = pl.DataFrame(
        {"form_id": sorted(forms, key=_form_order), "_form": range(len(forms))},
        schema={"form_id": pl.String(), "_form": pl.Int64()},
    )
    latest = both.join(rank, on="form_id", maintain_order="left").filter(
        pl.col("_form") == pl.col("_form").max().over("child_id", "workflow_step_id", "name")
    )
    slots = latest.select(
        "_row",
        "child_id",
        pl.col("workflow_step_id").alias("step"),
        "name",
        pl.col("text_answer").alias("value"),
        pl.col("date_answer").alias("day"),
    )
    return _Answers(slots=slots, about_others=about_others)


def _step_dates(answers: _Answers) -> pl.DataFrame:
    """Each step's meeting, referral and minutes dates (the first answer of the latest form); a step whose
    children's latest forms give different dates is left to the object reader (which takes the first child's)."""
    firsts = (
        answers.slots.filter(pl.col("name").is_in(list(_STEP_DATES)))
        .group_by("child_id", "step", "name")
        .agg(pl.col("day").sort_by("_row").first())
    )
    distinct = firsts.group_by("step", "name").agg(pl.col("day").n_unique().alias("n"), pl.col("day").first())
    require((distinct["n"] <= 1).all(), ANSWERS, "a group step dated differently for its children")
    wide = distinct.pivot(on="name", index="step", values="day")
    for name in _STEP_DATES:
        if name not in wide.columns:
            wide = wide.with_columns(pl.lit(None, dtype=pl.Date).alias(name))
    return wide.select("step", *(pl.col(name).cast(pl.Date) for name in _STEP_DATES))


def _routes(values: pl.Series, config: MosaicConfig) -> pl.Series:
    """The route each plan answer names (``route_of``); an answer naming none is the object reader's to reject."""

    def route(text: str) -> str:
        found = route_of(text, config.plan_answers)
        if found is None:
            raise ValueError(text)
        return found[0]

    return each(values, route, pl.String(), ANSWERS)


def _plans(
    slots: pl.DataFrame, held: pl.DataFrame, config: MosaicConfig, periods: pl.DataFrame, orders: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, int]:
    """``PlanReader.plans`` for every child: plan rows (child_id, group, primary, contingencies, decided_on,
    ratified_at_review), their history (child_id, group, _order, status, date), each child's permanence decision
    date, and the plan answers on steps not held."""
    first = slots.sort("_row").group_by("child_id", "step", "name", maintain_order=True).first()
    decisions = first.filter(pl.col("name") == "decision_date").select(
        "child_id", "step", pl.col("day").alias("decided")
    )
    steps = held.select("step", "type", pl.col("day").alias("held_on"))
    entries = (
        first.filter(pl.col("name") == "plan")
        .join(steps, on="step", how="left")
        .join(decisions, on=["child_id", "step"], how="left")
    )
    not_held = entries.filter(pl.col("held_on").is_null()).height
    entries = entries.filter(pl.col("held_on").is_not_null())
    entries = entries.with_columns(_routes(entries["value"], config).alias("route"))
    answered = (
        slots.filter(pl.col("name") == "contingency_plan")
        .join(entries.select("child_id", "step", pl.col("route").alias("primary")), on=["child_id", "step"])
        .sort("_row")
    )
    answered = answered.with_columns(_routes(answered["value"], config).alias("contingency"))
    contingencies = answered.group_by("child_id", "step", maintain_order=True).agg(
        pl.col("contingency").filter(pl.col("contingency") != pl.col("primary")).unique(maintain_order=True).alias("c")
    )
    review_types = [str(t) for t in config.step_types.cla_review]
    ppm_types = [str(t) for t in config.step_types.ppm]
    status = (
        pl.when(pl.col("type").is_in(review_types))
        .then(pl.lit(PlanStatus.RATIFIED.value))
        .when(pl.col("type").is_in(ppm_types))
        .then(pl.lit(PlanStatus.PROPOSED.value))
        .otherwise(pl.lit(PlanStatus.AGREED.value))
    )
    by_child = pl.col("child_id")
    # The contingencies a step's plan keeps: its own when answered, else those of the plan it continues.
    entries = (
        entries.join(contingencies, on=["child_id", "step"], how="left")
        .with_columns(status.alias("status"), pl.col("c").list.join("\x1f").alias("_c"))
        .sort("child_id", "held_on", "step")
        .with_columns((pl.col("route") != pl.col("route").shift(1).over(by_child)).fill_null(True).alias("_new_route"))
        .with_columns(pl.col("_new_route").cast(pl.Int32).cum_sum().over(by_child).alias("_run"))
        .with_columns(pl.col("_c").forward_fill().over("child_id", "_run").fill_null("").alias("_c"))
        .with_columns(
            (pl.col("_new_route") | (pl.col("_c") != pl.col("_c").shift(1).over(by_child)).fill_null(True)).alias(
                "_new"
            )
        )
        .with_columns(pl.col("_new").cast(pl.Int32).cum_sum().over(by_child).alias("group"))
        .with_columns(pl.col("status").replace_strict({s.value: r for s, r in _RANK.items()}).alias("_rank"))
        .with_row_index("_i")
    )
    groups = (
        entries.group_by("child_id", "group", maintain_order=True)
        .agg(
            pl.col("route").first().alias("primary"),
            pl.col("step").first().alias("plan_id"),
            pl.col("_c").first(),
            pl.col("held_on").first().alias("_first"),
            pl.coalesce(pl.col("decided").min(), pl.col("held_on").first()).alias("decided_on"),
            pl.col("held_on").filter(pl.col("status") == PlanStatus.RATIFIED.value).first().alias("ratified_at_review"),
        )
        .with_columns(pl.col("_first").shift(-1).over(by_child).alias("_until"))
    )
    secured = pl.concat(
        [
            periods.filter(pl.col("outcome").is_not_null() & pl.col("end").is_not_null()).select(
                "child_id", pl.col("outcome").alias("primary"), pl.col("end").alias("_on")
            ),
            orders.select("child_id", pl.col("route").alias("primary"), pl.col("date").alias("_on")),
        ]
    )
    achieved = (
        groups.join(secured, on=["child_id", "primary"])
        .filter((pl.col("_on") >= pl.col("_first")) & (pl.col("_until").is_null() | (pl.col("_on") < pl.col("_until"))))
        .group_by("child_id", "group")
        .agg(pl.col("_on").min().alias("_achieved"))
    )
    groups = groups.join(achieved, on=["child_id", "group"], how="left", maintain_order="left")
    steps_up = entries.filter(
        pl.col("_rank") > pl.col("_rank").cum_max().shift(1).over("child_id", "group").fill_null(-1)
    ).select("child_id", "group", pl.lit(0).alias("_order"), "_i", "status", pl.col("held_on").alias("date"))
    ended = groups.filter(pl.col("_achieved").is_not_null() | pl.col("_until").is_not_null()).select(
        "child_id",
        "group",
        pl.lit(1).alias("_order"),
        pl.when(pl.col("_achieved").is_not_null())
        .then(pl.lit(PlanStatus.ACHIEVED.value))
        .otherwise(pl.lit(PlanStatus.ABANDONED.value))
        .alias("status"),
        pl.coalesce("_achieved", "_until").alias("date"),
    )
    # A child's plans in the order CaseRecord keeps them (by decision date, stable), numbered from 0.
    groups = groups.sort("child_id", "decided_on", "group").with_columns(
        (pl.col("group").cum_count().over(by_child) - 1).cast(pl.Int32).alias("seq")
    )
    history = (
        pl.concat(
            [
                steps_up,
                ended.select("child_id", "group", "_order", pl.lit(0, dtype=pl.UInt32).alias("_i"), "status", "date"),
            ],
            how="vertical_relaxed",
        )
        .join(groups.select("child_id", "group", pl.col("seq").alias("plan_seq")), on=["child_id", "group"])
        .sort("child_id", "plan_seq", "_order", "_i")
        .select("child_id", "plan_seq", "status", "date")
    )
    plans = groups.select(
        "child_id",
        "seq",
        "primary",
        pl.when(pl.col("_c") == "")
        .then(pl.lit([], dtype=pl.List(pl.String)))
        .otherwise(pl.col("_c").str.split("\x1f"))
        .alias("contingencies"),
        "decided_on",
        "ratified_at_review",
        "plan_id",
    )
    return plans, history, _decision_dates(decisions, periods), not_held


def _decision_dates(decisions: pl.DataFrame, periods: pl.DataFrame) -> pl.DataFrame:
    """Each child's permanence decision: the first recorded in the latest period of care, else the latest."""
    latest = periods.filter(~pl.col("short_break")).group_by("child_id").agg(pl.col("start").max().alias("_latest"))
    current = pl.col("decided").filter(pl.col("decided") >= pl.col("_latest"))
    return (
        decisions.filter(pl.col("decided").is_not_null())
        .join(latest, on="child_id", how="left")
        .group_by("child_id")
        .agg(pl.coalesce(current.min(), pl.col("decided").max()).alias("permanence_decision_date"))
    )
