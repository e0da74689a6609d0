"""Synthetic identities: obviously fake names, NHS numbers from the test range, UPNs, postcodes, court numbers."""

from __future__ import annotations

import random
from collections.abc import Iterator

from permanence_core.synth.vocabulary import WORDS

#: NHS England reserves numbers starting 999 for testing; none of them belongs to a real person.
NHS_TEST_PREFIX = "999"
#: 999 is no local authority's code, so every UPN made here is plainly synthetic.
UPN_LA_CODE = "999"
_UPN_CHECK = "ABCDEFGHJKLMNPQRTUVWXYZ"
_POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


def surname(rng: random.Random) -> str:
    """An invented surname such as ``Mockworth``: ordinary first names are fine, surnames must look fake."""
    return rng.choice(WORDS.surname_stems) + rng.choice(WORDS.surname_ends)


def first_name(rng: random.Random, sex: str, *, adult: bool = False) -> str:
    """A first name for a child (or adult) of ``sex`` (``M`` or ``F``)."""
    if adult:
        return rng.choice(WORDS.women if sex == "F" else WORDS.men)
    return rng.choice(WORDS.girls if sex == "F" else WORDS.boys)


def person(rng: random.Random, sex: str | None = None) -> str:
    """An adult's full invented name."""
    return f"{first_name(rng, sex or rng.choice('MF'), adult=True)} {surname(rng)}"


def nhs_check_digit(nine: str) -> int | None:
    """The modulus-11 check digit of nine digits, or None when no valid number has them."""
    total = sum(int(digit) * weight for digit, weight in zip(nine, range(10, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    return None if check == 10 else check


def nhs_numbers() -> Iterator[str]:
    """Every valid NHS number in the 999 test range, in order (about 909,000 of them)."""
    for serial in range(1_000_000):
        nine = f"{NHS_TEST_PREFIX}{serial:06d}"
        check = nhs_check_digit(nine)
        if check is not None:
            yield f"{nine}{check}"


def upn(rng: random.Random, serial: int) -> str:
    """A 13-character Unique Pupil Number with a correct DfE check letter, for local authority 999."""
    body = f"{UPN_LA_CODE}{rng.randrange(2000, 8000):04d}{rng.randrange(100):02d}{serial % 1000:03d}"
    total = sum(int(char) * weight for char, weight in zip(body, range(2, 14), strict=True))
    return _UPN_CHECK[total % 23] + body


def postcode(rng: random.Random) -> str:
    """A postcode in the non-geographic ``ZZ`` area, so it can never locate anyone."""
    letters = rng.choice(_POSTCODE_LETTERS) + rng.choice(_POSTCODE_LETTERS)
    return f"ZZ{rng.randrange(1, 99)} {rng.randrange(10)}{letters}"


def ofsted_urn(rng: random.Random) -> str:
    """An Ofsted-style unique reference number for a registered provider."""
    return f"SC{rng.randrange(900000, 1000000)}"


def court_reference(rng: random.Random, year: int) -> str:
    """A family-court case number at the fictitious court ``ZZ``."""
    return f"ZZ{year % 100:02d}C{rng.randrange(10000, 100000)}"
