"""SNILS («СНИЛС»): the insurance number that matches a Gosuslugi login to a person.

Format ``XXX-XXX-XXX YY``: nine digits and a two-digit checksum. The checksum
is the sum of each of the nine digits times its weight (9 for the first digit
down to 1 for the ninth), taken as: below 100 — itself; 100 or 101 — 00; above
101 — the remainder modulo 101 (and 100 → 00 again). Numbers up to
001-001-998 were issued before the checksum existed and are not checked.
"""

from __future__ import annotations

import operator
import re

from core.api import lazy_gettext as _l
from core.api import mask_snils

NO_CHECKSUM_UP_TO = 1001998


class SnilsError(ValueError):
    """The value is not a valid SNILS; the message is Russian, for a form field."""


SEPARATORS = re.compile(r"[\s\-]")
WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, 1)


def normalize(value: str) -> str:
    """Digits only: ``112-233-445 95`` → ``11223344595``."""
    digits = (value or "").replace("-", "").replace(" ", "")  # the usual spelling, without a regex per SNILS
    return digits if digits.isdigit() else SEPARATORS.sub("", digits)


def checksum(first_nine: str) -> int:
    # the nine digits as their ASCII codes ("0" is 48), weighted: 48 × (9 + 8 + … + 1) too many
    total = sum(map(operator.mul, first_nine[:9].encode("ascii"), WEIGHTS)) - 48 * sum(WEIGHTS)
    if total < 100:
        return total
    if total in (100, 101):
        return 0
    rest = total % 101
    return 0 if rest == 100 else rest


def validate(value: str) -> str:
    """Return the normalised SNILS or raise ``SnilsError`` with the reason in Russian."""
    digits = normalize(value)
    if len(digits) != 11 or not (digits.isascii() and digits.isdigit()):
        raise SnilsError(_l("СНИЛС должен состоять из 11 цифр, например 112-233-445 95."))
    if int(digits[:9]) <= NO_CHECKSUM_UP_TO:
        return digits
    if checksum(digits[:9]) != int(digits[9:]):
        raise SnilsError(_l("Контрольное число СНИЛС не совпадает: проверьте номер по документу."))
    return digits


def is_valid(value: str) -> bool:
    try:
        validate(value)
    except SnilsError:
        return False
    return True


def format_snils(digits: str) -> str:
    """``11223344595`` → ``112-233-445 95``."""
    d = normalize(digits)
    return f"{d[0:3]}-{d[3:6]}-{d[6:9]} {d[9:11]}" if len(d) == 11 else d


def mask(digits: str | None) -> str:
    """``***-***-*** 95``: how SNILS is shown to everyone but the admin editing it (the core's one masking)."""
    return mask_snils(digits) if digits else ""


def make_valid(first_nine: int) -> str:
    """A valid SNILS for a nine-digit number (demo data and tests)."""
    nine = f"{first_nine:09d}"
    return f"{nine}{checksum(nine):02d}"
