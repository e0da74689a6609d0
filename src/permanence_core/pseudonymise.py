"""Pseudonymised exports: child ids replaced by a keyed hash, names and free text dropped, dates of birth to the month.

The key is the council's secret, read from the environment only (``PERMANENCE_PSEUDONYM_KEY``): the same key
gives the same pseudonym for a child in every export, so extracts can be joined over time, while without the key
nobody can go back from a pseudonym to the child's id or test a guessed id against it (HMAC-SHA256, not a plain
hash, which anyone could compute over every possible id).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import re
from collections.abc import Iterable, Mapping

import attrs
import polars as pl

from permanence_core.adapters.base import Rejection
from permanence_core.errors import ConfigError, Location
from permanence_core.rules import Alert, Evaluation, Obligation
from permanence_core.rules.engine import CohortEvaluation
from permanence_core.tracker.report import OverdueAction, TrackerReport, TrackerRow

#: The environment variable holding the council's pseudonymisation key.
KEY_ENV = "PERMANENCE_PSEUDONYM_KEY"
#: Every pseudonym starts with this, so it is never mistaken for a case-system id.
PREFIX = "P-"
#: 16 hex digits (64 bits): no two of a national cohort's children share one.
DIGITS = 16
#: A shorter key could be guessed; 16 characters is the floor, a random 32 or more is better.
MIN_KEY_LENGTH = 16
#: What a withheld value reads as.
WITHHELD = "[withheld]"

#: Fields whose value is a date of birth, kept to the month in a pseudonymised rejection.
DATE_OF_BIRTH_FIELDS = frozenset({"DOB", "MC_DOB", "date_of_birth", "sibling_date_of_birth"})

_TOKEN = re.compile(r"[A-Za-z0-9]+")
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y%m%d")


class Pseudonymiser:
    """Turns child ids (alone or inside other ids and messages) into pseudonyms, and strips what could identify.

    ``known_ids`` are the ids to find inside text (meeting ids such as ``PPM-1000001-1``, drift details, alert
    messages); a child id in a field of its own is hashed whether known or not.
    """

    def __init__(self, key: bytes, known_ids: Iterable[str] = ()) -> None:
        if len(key) < MIN_KEY_LENGTH:
            raise ConfigError(
                Location(source="environment", field=KEY_ENV), f"is too short: use at least {MIN_KEY_LENGTH} characters"
            )
        self._key = key
        self._known = {child_id: self.child_id(child_id) for child_id in known_ids if child_id}
        # Ids that are not one run of letters and digits cannot be found token by token; these are searched whole.
        awkward = sorted((i for i in self._known if not _TOKEN.fullmatch(i)), key=len, reverse=True)
        self._pattern = re.compile("|".join([*(re.escape(i) for i in awkward), _TOKEN.pattern]))

    def __repr__(self) -> str:
        # Never the key.
        return f"Pseudonymiser({len(self._known)} known ids)"

    @classmethod
    def from_environment(cls, known_ids: Iterable[str] = (), environ: Mapping[str, str] | None = None) -> Pseudonymiser:
        """The pseudonymiser keyed by ``$PERMANENCE_PSEUDONYM_KEY``; ConfigError when it is not set or too short."""
        key = (os.environ if environ is None else environ).get(KEY_ENV, "")
        if not key:
            raise ConfigError(
                Location(source="environment", field=KEY_ENV),
                "is not set: pseudonymised exports need the council's pseudonymisation key",
            )
        return cls(key.encode("utf-8"), known_ids)

    def with_ids(self, known_ids: Iterable[str]) -> Pseudonymiser:
        """The same key, finding ``known_ids`` inside text too."""
        return Pseudonymiser(self._key, known_ids)

    def child_id(self, child_id: str) -> str:
        """``P-`` and the first 16 hex digits of HMAC-SHA256(key, id): stable under one key, unguessable without it."""
        digest = hmac.new(self._key, child_id.encode("utf-8"), hashlib.sha256).hexdigest()
        return PREFIX + digest[:DIGITS]

    def text(self, text: str) -> str:
        """``text`` with every known child id in it replaced by its pseudonym."""
        if not self._known:
            return text
        return self._pattern.sub(lambda match: self._known.get(match.group(), match.group()), text)

    @staticmethod
    def date_of_birth(day: dt.date) -> str:
        """A date of birth kept to the month (``2015-02``): enough for an age band, too little to identify."""
        return f"{day.year:04d}-{day.month:02d}"

    # -- what the exports hold ---------------------------------------------------------------------------

    def rejection(self, rejection: Rejection) -> Rejection:
        """The child hashed; the value withheld (a date of birth kept to the month) and kept out of the reason."""
        value = rejection.value
        reason = rejection.reason
        # A reason may quote the value it refuses; a value of a few characters (a code) identifies nobody.
        if value and len(value) >= 4:
            reason = reason.replace(value, WITHHELD)
        return attrs.evolve(
            rejection,
            child_id=self.child_id(rejection.child_id) if rejection.child_id else None,
            value=self._value(rejection.field, value),
            reason=self.text(reason),
        )

    def _value(self, field: str | None, value: str | None) -> str | None:
        if not value:
            return value
        if field in DATE_OF_BIRTH_FIELDS:
            day = _date(value)
            if day is not None:
                return self.date_of_birth(day)
        return WITHHELD

    def alert(self, alert: Alert) -> Alert:
        """The alert with its child hashed and any id in its message or anchor replaced."""
        return attrs.evolve(
            alert,
            child_id=self.child_id(alert.child_id),
            anchor_event=self.text(alert.anchor_event),
            message=self.text(alert.message),
        )

    def obligation(self, obligation: Obligation) -> Obligation:
        """The obligation with its child hashed and any id in its anchor or note replaced."""
        return attrs.evolve(
            obligation,
            child_id=self.child_id(obligation.child_id),
            anchor_event=self.text(obligation.anchor_event) if obligation.anchor_event else None,
            note=self.text(obligation.note) if obligation.note else None,
        )

    def evaluation(self, evaluation: Evaluation) -> Evaluation:
        """Every obligation and alert pseudonymised (in the same order: it follows due dates, not ids)."""
        return attrs.evolve(
            evaluation,
            obligations=tuple(self.obligation(o) for o in evaluation.obligations),
            alerts=tuple(self.alert(a) for a in evaluation.alerts),
        )

    def cohort_evaluation(self, evaluation: CohortEvaluation) -> CohortEvaluation:
        """A cohort's evaluation pseudonymised: its alerts, and its table's child ids, anchors and notes."""
        ids = evaluation.table["child_id"].unique().to_list()
        texts = evaluation.table.select(pl.concat([pl.col("anchor_event"), pl.col("note")]).drop_nulls().unique())
        table = evaluation.table.with_columns(
            child_id=pl.col("child_id").replace_strict({i: self.child_id(i) for i in ids}, return_dtype=pl.String),
            anchor_event=pl.col("anchor_event").replace({t: self.text(t) for t in texts.to_series().to_list()}),
            note=pl.col("note").replace({t: self.text(t) for t in texts.to_series().to_list()}),
        )
        return attrs.evolve(evaluation, table=table, alerts=tuple(self.alert(a) for a in evaluation.alerts))

    def action(self, action: OverdueAction) -> OverdueAction:
        """An overdue action without its owner's name or its free-text description; its ids pseudonymised."""
        return attrs.evolve(
            action,
            child_id=self.child_id(action.child_id),
            meeting_id=self.text(action.meeting_id),
            action_id=self.text(action.action_id),
            owner=None,
            description="",
        )

    def row(self, row: TrackerRow) -> TrackerRow:
        """One tracker row: the child hashed, its overdue actions and second-review obligation pseudonymised."""
        obligation = row.plan_by_second_review
        return attrs.evolve(
            row,
            child_id=self.child_id(row.child_id),
            name=None,
            overdue_actions=tuple(self.action(a) for a in row.overdue_actions),
            plan_by_second_review=self.obligation(obligation) if obligation else None,
        )

    def report(self, report: TrackerReport) -> TrackerReport:
        """The tracker pseudonymised, rows sorted by pseudonym so their order says nothing about the real ids."""
        rows = sorted((self.row(row) for row in report.rows), key=lambda row: row.child_id)
        return attrs.evolve(report, rows=tuple(rows), rejected=tuple(self.rejection(r) for r in report.rejected))


def _date(value: str) -> dt.date | None:
    for pattern in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(value.strip(), pattern).date()
        except ValueError:
            continue
    return None


__all__ = ["KEY_ENV", "MIN_KEY_LENGTH", "PREFIX", "Pseudonymiser"]
