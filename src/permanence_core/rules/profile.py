"""Profiles: timescale rules as TOML data, extending one another, validated with the file, rule and key at fault."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
import cattrs
import holidays
from cattrs.v import format_exception

from permanence_core.config_file import parse_toml, read_toml_text
from permanence_core.config_secrets import refuse_secrets
from permanence_core.errors import ConfigError, UnknownProfileError
from permanence_core.rules.events import ANCHORS, MET_BY, STAGES, STOPS

#: Where the search for the event that meets an obligation starts: at the anchor, at the start of the period of
#: care, or when the rule's warning window opens (the due date less its warning days).
MET_FROM = ("anchor", "period_start", "window")


class Counting(enum.StrEnum):
    """Whether the anchor day is day 0 (``exclusive``: "within 20 working days of") or day 1 (``inclusive``:
    "26 weeks beginning with the day the application was issued")."""

    EXCLUSIVE = "exclusive"
    INCLUSIVE = "inclusive"


#: The longest span a profile may set, per unit: a hundred years. That is far beyond any timescale in care
#: planning, and keeps every due date inside the calendar's range (a larger number overflows date arithmetic).
CENTURY = {"days": 36_525, "working_days": 26_100, "weeks": 5_218, "months": 1_200}
#: The parts of the United Kingdom with their own bank holidays.
SUBDIVISIONS = tuple(holidays.list_supported_countries()["GB"])


def _between(low: int, high: int) -> Any:
    """A validator of an optional whole number from ``low`` to ``high``."""

    def check(_instance: Any, attribute: attrs.Attribute[Any], value: int | None) -> None:
        if value is not None and not low <= value <= high:
            raise ValueError(f"{attribute.name} = {value} is not from {low} to {high}")

    return check


def _iso_dates(_instance: Any, _attribute: attrs.Attribute[Any], value: tuple[str, ...]) -> None:
    for day in value:
        try:
            dt.date.fromisoformat(day)
        except ValueError:
            raise ValueError(f"extra_closures has {day!r}, which is not a YYYY-MM-DD date") from None


def _subdivision(_instance: Any, _attribute: attrs.Attribute[Any], value: str) -> None:
    if value not in SUBDIVISIONS:
        raise ValueError(f"holidays_subdiv = {value!r} is not one of {', '.join(SUBDIVISIONS)}")


@attrs.frozen(kw_only=True)
class Offset:
    """How far the due date is from the anchor; exactly one unit is set. Negative means before the anchor."""

    days: int | None = None
    working_days: int | None = None
    weeks: int | None = None
    months: int | None = None

    def __attrs_post_init__(self) -> None:
        given = [name for name, value in attrs.asdict(self).items() if value is not None]
        if len(given) != 1:
            raise ValueError(f"exactly one of days, working_days, weeks, months must be set (got {given or 'none'})")
        [unit] = given
        _between(-CENTURY[unit], CENTURY[unit])(self, attrs.fields_dict(Offset)[unit], getattr(self, unit))

    def describe(self) -> str:
        """Human words for explanations: '20 working days', '3 months'."""
        for unit, value in attrs.asdict(self).items():
            if value is not None:
                words = unit.replace("_", " ")
                return f"{abs(value)} {words[:-1] if abs(value) == 1 else words}" + (" before" if value < 0 else "")
        raise AssertionError("unreachable: validated in __attrs_post_init__")


@attrs.frozen(kw_only=True)
class Applies:
    """When a rule applies: legal status at the anchor, current plan route, case stage. Empty means always."""

    legal_status: tuple[str, ...] = ()
    plan_route: tuple[str, ...] = ()
    stage: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class Recurrence:
    """``chain``: once met, the rule anchors again on the event that met it (reviews, fortnightly tracking)."""

    chain: bool = True
    limit: int = attrs.field(default=60, validator=_between(1, 10_000))


@attrs.frozen(kw_only=True)
class Rule:
    """One timescale rule."""

    id: str
    title: str
    anchor: str
    offset: Offset
    met_by: str
    source: str
    counting: Counting = Counting.EXCLUSIVE
    warning_days: int | None = attrs.field(default=None, validator=_between(0, CENTURY["days"]))
    applies: Applies = Applies()
    stops: tuple[str, ...] = ()
    recurrence: Recurrence | None = None
    met_from: str = attrs.field(default="anchor", validator=attrs.validators.in_(MET_FROM))
    add_extensions: bool = False
    statutory: bool = True
    enabled: bool = True


@attrs.frozen(kw_only=True)
class Settings:
    """Profile-wide settings."""

    warning_days: int = attrs.field(default=14, validator=_between(0, CENTURY["days"]))
    holidays_subdiv: str = attrs.field(default="ENG", validator=_subdivision)
    extra_closures: tuple[str, ...] = attrs.field(default=(), validator=_iso_dates)


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")


@attrs.frozen(kw_only=True)
class PanelSettings:
    """How the council runs its tracking panel (seed 002): the procedure's title, what is panel business, when
    it meets, and the working days business support works to.

    ``business`` lists the rules whose due dates put a child on the panel's agenda (None: every rule);
    ``weekday`` and ``week`` say when it meets (``week`` 1 is the first such day of the month, -1 the last);
    an action more than ``drift_working_days`` working days overdue is drift.
    """

    procedure: str | None = None
    business: tuple[str, ...] | None = None
    weekday: str | None = attrs.field(default=None, validator=attrs.validators.optional(attrs.validators.in_(WEEKDAYS)))
    week: int = attrs.field(default=1, validator=attrs.validators.in_((1, 2, 3, 4, -1)))
    referral_working_days: int = attrs.field(default=3, validator=_between(0, 60))
    minutes_working_days: int = attrs.field(default=3, validator=_between(0, 60))
    drift_working_days: int = attrs.field(default=10, validator=_between(0, 260))

    def is_business(self, rule_id: str) -> bool:
        """True when the rule's due dates are the panel's business."""
        return self.business is None or rule_id in self.business


@attrs.frozen(kw_only=True)
class Profile:
    """A named, fully resolved set of rules (``extends`` already applied; switched-off rules removed)."""

    name: str
    title: str
    settings: Settings
    rules: tuple[Rule, ...]
    chain: tuple[str, ...] = ()
    panel: PanelSettings = PanelSettings()

    def rule(self, rule_id: str) -> Rule:
        """Return the rule called ``rule_id``."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(f"profile {self.name!r} has no rule {rule_id!r}")


_converter = cattrs.Converter(forbid_extra_keys=True)


# cattrs' own hooks coerce: a table given as a title became its text, "no" became true, and a plan route given as
# "adoption" rather than ["adoption"] became its eight letters, so the rule applied to no child.
def _text(value: object, type_: type[str]) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not text")
    return type_(value)  # str, or an enum of text (Counting): it checks the value


def _flag(value: object, _type: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{value!r} is not true or false")
    return value


def _whole(value: object, _type: object) -> int:
    # cattrs' own hook calls int(): "10" became 10 and 3.7 became 3. A bool is an int in Python, never a count of days.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{value!r} is not a whole number")
    return value


def _texts(value: object, _type: object) -> tuple[str, ...]:
    if not isinstance(value, list | tuple):
        raise ValueError(f"{value!r} is not a list")
    return tuple(_text(item, str) for item in value)


_converter.register_structure_hook(str, _text)
_converter.register_structure_hook(bool, _flag)
_converter.register_structure_hook(int, _whole)
_converter.register_structure_hook_func(lambda type_: type_ == tuple[str, ...], _texts)


def _describe(exc: BaseException, type_: type | None) -> str:
    # Our own ValueErrors (e.g. an offset with two units) say what is wrong; keep their words.
    if type(exc) is ValueError:
        return _words(exc)
    return format_exception(exc, type_)


def _words(exc: ValueError) -> str:
    # attrs' validators raise ValueError(message, attribute, options, value): the message alone is for people.
    first = exc.args[0] if exc.args else ""
    return first if isinstance(first, str) and len(exc.args) > 1 else str(exc)


def _vocabulary(rule_id: str, data: dict[str, Any], where: str) -> None:
    checks: list[tuple[str, Mapping[str, object]]] = [("anchor", ANCHORS), ("met_by", MET_BY)]
    for key, allowed in checks:
        if key in data and not _one_of(data[key], allowed):
            raise ConfigError(
                where, f'rule "{rule_id}": {key} = {data[key]!r} is not one of {", ".join(sorted(allowed))}'
            )
    applies = data.get("applies", {})
    if not isinstance(applies, dict):
        raise ConfigError(where, f'rule "{rule_id}": applies must be a table of keys')
    lists: list[tuple[str, object, Mapping[str, object]]] = [
        ("stops", data.get("stops", ()), STOPS),
        ("applies.stage", applies.get("stage", ()), STAGES),
    ]
    for key, values, allowed in lists:
        if not isinstance(values, list | tuple):
            raise ConfigError(where, f'rule "{rule_id}": {key} must be a list')
        for value in values:
            if not _one_of(value, allowed):
                raise ConfigError(
                    where, f'rule "{rule_id}": {key} has {value!r}, not one of {", ".join(sorted(allowed))}'
                )


def _one_of(value: object, allowed: Mapping[str, object]) -> bool:
    # Only a string can be a key of the vocabulary; a list or table in its place would not even hash.
    return isinstance(value, str) and value in allowed


#: The type each top-level key must have, checked before anything is looked up by them.
_TOP_LEVEL = {
    "name": (str, "a string"),
    "title": (str, "a string"),
    "extends": (str, "a string"),
    "settings": (dict, "a table of keys"),
    "panel": (dict, "a table of keys"),
    "rules": (dict, "a table of rules"),
}


def parse_profile_text(text: str, where: str) -> dict[str, Any]:
    """Parse profile TOML; ConfigError names ``where`` (file or profile name) and the line at fault."""
    data = parse_toml(text, where)
    # Before any value is checked: an error about a value must never repeat a secret written in the file.
    refuse_secrets(data, where)
    unknown = set(data) - set(_TOP_LEVEL)
    if unknown:
        raise ConfigError(where, f"unknown top-level key(s): {', '.join(sorted(unknown))}")
    for key, (kind, what) in _TOP_LEVEL.items():
        if key in data and not isinstance(data[key], kind):
            raise ConfigError(where, f"{key} must be {what}, not a {type(data[key]).__name__}")
    return data


def resolve(name: str, texts: dict[str, str], where: dict[str, str] | None = None) -> Profile:
    """Resolve profile ``name`` from the profile texts (name → TOML), applying ``extends`` chains."""
    where = where or {}
    chain: list[str] = []
    merged_settings: dict[str, Any] = {}
    merged_panel: dict[str, Any] = {}
    merged_rules: dict[str, dict[str, Any]] = {}
    title = name
    current: str | None = name
    layers = []
    while current is not None:
        if current in chain:
            raise ConfigError(where.get(name, name), f"extends loops: {' -> '.join([*chain, current])}")
        if current not in texts:
            raise ConfigError(where.get(chain[-1], chain[-1]) if chain else name, f"unknown profile {current!r}")
        chain.append(current)
        data = parse_profile_text(texts[current], where.get(current, current))
        layers.append((current, data))
        current = data.get("extends")
    for layer_name, data in reversed(layers):
        source = where.get(layer_name, layer_name)
        merged_settings.update(data.get("settings", {}))
        merged_panel.update(data.get("panel", {}))
        for rule_id, rule_data in data.get("rules", {}).items():
            if not isinstance(rule_data, dict):
                raise ConfigError(source, f'rule "{rule_id}": must be a table of keys')
            _vocabulary(rule_id, rule_data, source)
            merged_rules[rule_id] = {**merged_rules.get(rule_id, {}), **rule_data}
        title = data.get("title", title)
    rules = []
    for rule_id, rule_data in merged_rules.items():
        try:
            rule = _converter.structure({"id": rule_id, **rule_data}, Rule)
        except (cattrs.BaseValidationError, ValueError, TypeError) as exc:
            detail = (
                "; ".join(cattrs.transform_error(exc, path=f'rules."{rule_id}"', format_exception=_describe))
                if isinstance(exc, cattrs.BaseValidationError)
                else str(exc)
            )
            raise ConfigError(where.get(name, name), f'rule "{rule_id}": {detail}') from None
        if rule.enabled:
            rules.append(rule)
    try:
        settings = _converter.structure(merged_settings, Settings)
    except cattrs.BaseValidationError as exc:
        messages = cattrs.transform_error(exc, path="settings", format_exception=_describe)
        raise ConfigError(where.get(name, name), "; ".join(messages)) from None
    try:
        panel = _converter.structure(merged_panel, PanelSettings)
    except (cattrs.BaseValidationError, ValueError) as exc:
        messages = (
            cattrs.transform_error(exc, path="panel", format_exception=_describe)
            if isinstance(exc, cattrs.BaseValidationError)
            else [_words(exc)]
        )
        raise ConfigError(where.get(name, name), "; ".join(messages)) from None
    unknown = sorted(set(panel.business or ()) - {rule.id for rule in rules})
    if unknown:
        raise ConfigError(
            where.get(name, name), f"panel.business names rules the profile has not: {', '.join(unknown)}"
        )
    return Profile(name=name, title=title, settings=settings, rules=tuple(rules), chain=tuple(chain), panel=panel)


def load_profile(name_or_path: str, plugins: Any = None) -> Profile:
    """Load a registered profile by name, or a profile TOML file by path (which may extend registered ones)."""
    from permanence_core.plugins.manager import Plugins

    texts = dict((plugins or Plugins()).profiles())
    where: dict[str, str] = {}
    path = Path(name_or_path)
    if path.suffix == ".toml":
        text = read_toml_text(path, "cannot read profile")
        name = parse_profile_text(text, str(path)).get("name", path.stem)
        texts[name] = text
        where[name] = str(path)
        return resolve(name, texts, where)
    if name_or_path not in texts:
        available = ", ".join(sorted(texts))
        raise UnknownProfileError("--profile", f"unknown profile {name_or_path!r}; available: {available}")
    return resolve(name_or_path, texts, {n: f"profile {n}" for n in texts})
