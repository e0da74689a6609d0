"""The child and the identifiers that find it in each system."""

from __future__ import annotations

import datetime as dt
import operator
import re
from typing import Any

import attrs

from permanence_core.codes import SEX
from permanence_core.errors import ModelValueError
from permanence_core.model._validators import in_codes, not_blank, optional_date, printable

_UPN = re.compile(r"^[A-Z][0-9]{11}[0-9A-Z]$")
#: The weights of an NHS number's first nine digits in its modulus-11 check.
_NHS_WEIGHTS = range(10, 1, -1)


def nhs_number_is_valid(number: str) -> bool:
    """Return True when ``number`` is ten digits whose last is the NHS modulus-11 check digit."""
    if len(number) != 10 or not number.isdigit():
        return False
    # map in C rather than a generator: a national load checks 85,000 of them.
    total: int = sum(map(operator.mul, map(int, number[:9]), _NHS_WEIGHTS))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(number[9])


def _nhs_number(_instance: object, attribute: attrs.Attribute[Any], value: str | None) -> None:
    if value is not None and not nhs_number_is_valid(value):
        raise ModelValueError(attribute.name, value, "is not a valid NHS number (10 digits, modulus-11 check)")


def _upn(_instance: object, attribute: attrs.Attribute[Any], value: str | None) -> None:
    if value is not None and not _UPN.match(value):
        raise ModelValueError(attribute.name, value, "is not a 13-character UPN")


def _strip_spaces(value: str | None) -> str | None:
    return value.replace(" ", "") if value else None


@attrs.frozen(kw_only=True)
class Identifiers:
    """How systems know the child: the case-system id is required, the national ids are optional."""

    case_id: str = attrs.field(validator=[not_blank, printable])
    nhs_number: str | None = attrs.field(default=None, converter=_strip_spaces, validator=_nhs_number)
    upn: str | None = attrs.field(default=None, validator=_upn)
    former_upn: str | None = attrs.field(default=None, validator=_upn)
    sui: str | None = None


@attrs.frozen(kw_only=True)
class Child:
    """A looked-after child: personal details are optional because a return may carry only ids."""

    identifiers: Identifiers
    first_name: str | None = None
    surname: str | None = None
    date_of_birth: dt.date | None = attrs.field(default=None, validator=optional_date)
    sex: str | None = attrs.field(default=None, validator=in_codes(SEX, "sex"))
    ethnicity: str | None = None
    uasc_until: dt.date | None = attrs.field(default=None, validator=optional_date)

    @property
    def child_id(self) -> str:
        """The case-system id, the key every other record is joined on."""
        return self.identifiers.case_id

    @property
    def display_name(self) -> str:
        """Name for documents (never for logs)."""
        return " ".join(p for p in (self.first_name, self.surname) if p) or self.child_id
