"""The adapter base class a plugin subclasses, and what every adapter reports: what it loaded and rejected."""

from __future__ import annotations

import abc
import datetime as dt
import enum
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from permanence_core.errors import UsageError
from permanence_core.model import CaseRecord, Facet
from permanence_core.model._validators import to_tuple
from permanence_core.privacy import shown

if TYPE_CHECKING:
    from permanence_core.adapters.sourcecheck import SourceReport
    from permanence_core.cohort import Cohort, CohortDetail
    from permanence_core.writeback import AlertChange, Receipt, WriteBackItem


class Capability(enum.StrEnum):
    """What an adapter can do with its case system."""

    READ = "read"
    UPLOAD_DOCUMENT = "upload_document"
    CASE_NOTE = "case_note"
    WORK_TRAY_ALERT = "work_tray_alert"


class Adapter(abc.ABC):
    """One case system's adapter: subclass it, set the class attributes and override what the system can do.

    A plugin registers an instance once, ``register(MyAdapter())``, from ``permanence_register_adapters``; the core
    then calls its methods by the adapter's ``name`` (``--adapter NAME``). Only :meth:`load` must be written:

    - :meth:`load_cohort` defaults to a load turned into cohort tables (``cohort_from_records``);
    - :meth:`check` defaults to a source report built from a load;
    - :meth:`alert_items` defaults to the core's work-tray alert for the child's team manager;
    - :meth:`write_back` defaults to an error saying the adapter cannot write back.

    Keep imports of heavy readers inside the methods: every installed adapter is built when ``permanence`` starts.
    """

    #: What users type after ``--adapter``; keep it equal to the plugin's entry-point name.
    name: str
    #: One line for ``permanence plugins``: the system and how it is read.
    description: str
    #: What to give as ``--source``: a folder, a file or a database URL.
    source_help: str
    #: What the adapter does with its system; the write capabilities say which items ``write_back`` accepts.
    capabilities: frozenset[Capability] = frozenset({Capability.READ})
    #: True when :meth:`load_cohort` reads the detail tables straight from the source when ``options["detail"]``
    #: asks (no record per child): the nightly job then reads tables, and records only if a step asks for them.
    #: False (the default): the nightly job reads records once, and the tables from them.
    detail_tables: bool = False

    @abc.abstractmethod
    def load(self, source: str, options: Mapping[str, Any]) -> LoadResult:
        """Load the case records of every child in ``source``.

        Bad records must not stop the load: return them in ``LoadResult.rejected``, each naming the file, row (or
        element), child id, field, value and reason. Raise :class:`~permanence_core.errors.InputError` only when the
        source cannot be read at all. ``options`` holds adapter options (``config`` path, ``progress`` callback …);
        ignore keys you do not know.
        """

    def load_cohort(
        self, source: str, options: Mapping[str, Any], facets: Collection[Facet] | None = None
    ) -> CohortLoad:
        """Load every child in ``source`` as cohort tables, for evaluating the whole cohort at once.

        ``facets``: only what the caller needs (None: everything); an adapter may read less. The option
        ``detail`` (true) asks for the detail tables too (``CohortLoad.detail``: names, meeting detail, actions,
        plan ids), which the ledger's sync reads. By default the records of :meth:`load` turned into tables; an
        adapter that can read its source straight into the tables overrides this and builds no record objects
        (the tables must equal ``cohort_from_records`` and ``detail_from_records`` of its records).
        """
        wanted = {key: value for key, value in options.items() if key != "detail"}
        if facets is not None:
            wanted["facets"] = sorted(facet.value for facet in facets)
        return CohortLoad.of(self.load(source, wanted), detail=bool(options.get("detail")))

    def check(self, source: str, options: Mapping[str, Any]) -> SourceReport:
        """What ``source`` holds for this adapter, before go-live (``permanence source check``).

        The report names, per facet, the tables and columns found and missing, row counts and the code values
        the configuration does not map. By default it comes from a load: the facets the loaded records cover
        and the rejected values with their counts. Database adapters override it to look at the database
        itself, so that a missing facet is reported rather than loaded around.
        """
        from permanence_core.adapters.sourcecheck import load_report

        return load_report(self.name, source, self.load(source, options))

    def alert_items(
        self, records: Sequence[CaseRecord], as_of: dt.date, options: Mapping[str, Any]
    ) -> Callable[[AlertChange], WriteBackItem | None]:
        """How an alert is raised in this system: a function turning each alert change into the item to send.

        The function returns ``None`` to record a change without sending anything. ``records`` are the children
        just loaded (to find each one's allocated workers on ``as_of``). By default: a work-tray alert for the
        team manager with no recipient id, which an outbox or the council's gateway routes.
        """
        from permanence_core.writeback.alert_items import team_manager_work_tray

        return team_manager_work_tray

    def write_back(self, item: WriteBackItem, options: Mapping[str, Any]) -> Receipt:
        """Deliver one item (document upload, case note or work-tray alert) to the system.

        Delivery must be idempotent: an item whose ``idempotency_key`` was delivered before returns a ``duplicate``
        receipt and is not sent again. A failed delivery returns a ``failed`` receipt (retried on the next run)
        rather than raising. ``options`` holds write-back options (``outbox``, ``endpoint``, ``config``); secrets
        never come here. By default the adapter cannot write back.
        """
        raise UsageError(f"adapter {self.name!r} cannot write back")

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {getattr(self, 'name', '?')!r}>"


@attrs.frozen(kw_only=True)
class Rejection:
    """A record that did not load: where it was, which child, which field, what value and why.

    ``row`` is the CSV line or XML line; ``element`` is the XML element path (e.g. ``CHILD[3]/EPISODE[2]/PL``),
    which finds the record even when a whole return sits on one line. The value of an identifier (UPN, NHS
    number) is masked to its last 3 characters here, so no adapter can print one in full.
    """

    source: str
    reason: str
    row: int | None = None
    child_id: str | None = None
    field: str | None = None
    value: str | None = None
    element: str | None = None

    def __attrs_post_init__(self) -> None:
        # Frozen: the masked value replaces the given one before anyone can read it.
        object.__setattr__(self, "value", shown(self.field, self.value))

    def to_dict(self) -> dict[str, Any]:
        """The JSON form used by ``permanence alerts --format json``."""
        return attrs.asdict(self)

    def __str__(self) -> str:
        where = self.source + (f", row {self.row}" if self.row is not None else "")
        where += f", {self.element}" if self.element else ""
        about = " ".join(
            part
            for part in (
                f"child {self.child_id}" if self.child_id else "",
                f"{self.field}={self.value!r}" if self.field else "",
            )
            if part
        )
        return f"{where}: {about}: {self.reason}" if about else f"{where}: {self.reason}"


@attrs.frozen(kw_only=True)
class LoadResult:
    """Records loaded from a source, with every rejected record and the counts read / loaded / rejected.

    ``read`` counts input records (rows or XML elements); a rejected row does not always drop its
    child, so ``loaded + rejected`` need not equal ``read`` when one child spans many rows.
    """

    records: tuple[CaseRecord, ...] = attrs.field(default=(), converter=to_tuple)
    rejected: tuple[Rejection, ...] = attrs.field(default=(), converter=to_tuple)
    read: int = 0
    notices: tuple[str, ...] = attrs.field(default=(), converter=to_tuple)

    @property
    def loaded(self) -> int:
        """Number of input records that loaded."""
        return self.read - len(self.rejected)

    @property
    def nothing_loaded(self) -> bool:
        """True when the source held records (read or rejected) yet no child loaded: a run must fail, not go on."""
        return not self.records and (self.read > 0 or bool(self.rejected))

    def summary(self) -> dict[str, int]:
        """Counts for reports and logs (ids only, never personal data)."""
        return {
            "read": self.read,
            "loaded": self.loaded,
            "rejected": len(self.rejected),
            "children": len(self.records),
        }


@attrs.frozen(kw_only=True)
class CohortLoad:
    """A load as cohort tables: the ``Cohort``, and the load's rejections, counts and notices (no records).

    ``detail``: the cohort's detail tables (names, meeting detail, actions, plan ids) when the caller asked for
    them (``load_cohort``'s option ``detail``), else None.
    """

    cohort: Cohort
    detail: CohortDetail | None = None
    rejected: tuple[Rejection, ...] = attrs.field(default=(), converter=to_tuple)
    read: int = 0
    notices: tuple[str, ...] = attrs.field(default=(), converter=to_tuple)

    @classmethod
    def of(cls, result: LoadResult, *, detail: bool = False) -> CohortLoad:
        """The tables of a load's records (``cohort_from_records``), with its rejections, counts and notices; and
        their detail tables (``detail_from_records``) when ``detail``."""
        from permanence_core.cohort import cohort_from_records, detail_from_records

        return cls(
            cohort=cohort_from_records(result.records),
            detail=detail_from_records(result.records) if detail else None,
            rejected=result.rejected,
            read=result.read,
            notices=result.notices,
        )

    @property
    def loaded(self) -> int:
        """Number of input records that loaded."""
        return self.read - len(self.rejected)

    @property
    def nothing_loaded(self) -> bool:
        """True when the source held records (read or rejected) yet no child loaded: a run must fail, not go on."""
        return not len(self.cohort) and (self.read > 0 or bool(self.rejected))

    def summary(self) -> dict[str, int]:
        """Counts for reports and logs, as ``LoadResult.summary``."""
        return {
            "read": self.read,
            "loaded": self.loaded,
            "rejected": len(self.rejected),
            "children": len(self.cohort),
        }
