"""Password hashing (argon2id), temporary passwords, and the rules for a chosen password."""

from __future__ import annotations

import functools
import secrets
import threading
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from core.api import _, settings
from plugins.auth_local.schemas import OWASP_MIN_MEMORY_KIB, OWASP_MIN_PARALLELISM, OWASP_MIN_TIME_COST

PLUGIN = "auth_local"
# No 0/o, 1/l/i: a child copies the temporary password from paper.
TEMPORARY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
MAX_PASSWORD_LENGTH = 128
# Common choices of Russian users that the global list (zxcvbn's 30,000 most common
# passwords, see common_passwords) does not hold.
RUSSIAN_COMMON_PASSWORDS = frozenset(  # i18n: data — passwords people choose
    """
    0123456789 87654321 00000000 12341234 123123123 пароль123 пароль12 пароль2024 пароль2025 пароль2026
    school123 shkola123 школа123 gfhjkm123 gfhjkm12 qwerty2026 1234567890q
    """.split()
)
# The same key on the Russian (ЙЦУКЕН) and the Latin (QWERTY) layout: «йцукенгш» is «qwertyui»
# typed with the Russian layout on, «gfhjkm» is «пароль» typed with the Latin one.
_RU_KEYS = "йцукенгшщзхъфывапролджэячсмитьбю"  # i18n: data — a keyboard layout
_EN_KEYS = "qwertyuiop[]asdfghjkl;'zxcvbnm,."
RUSSIAN_TO_LATIN_LAYOUT = str.maketrans(_RU_KEYS, _EN_KEYS)
LATIN_TO_RUSSIAN_LAYOUT = str.maketrans(_EN_KEYS, _RU_KEYS)


@functools.cache
def common_passwords() -> frozenset[str]:
    """The passwords nobody may choose: zxcvbn's frequency list of the 30,000 most common
    passwords from public breaches (ASVS 6.2.4 asks for at least the top 3,000), and the
    Russian additions above."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"]) | RUSSIAN_COMMON_PASSWORDS


def is_common(password: str) -> bool:
    """True when the password, lower-cased, is a common one on either keyboard layout."""
    lowered = password.strip().lower()
    known = common_passwords()
    return any(candidate in known for candidate in (
        lowered, lowered.translate(RUSSIAN_TO_LATIN_LAYOUT), lowered.translate(LATIN_TO_RUSSIAN_LAYOUT)))


_dummy_hashes: dict[tuple[int, int, int], str] = {}
_dummy_lock = threading.Lock()


def hasher_parameters(section: dict[str, Any] | None = None) -> tuple[int, int, int]:
    """``(memory_kib, time_cost, parallelism)`` from the region's [auth_local] section."""
    section = section if section is not None else settings(PLUGIN)
    return section["hash_memory_kib"], section["hash_time_cost"], section["hash_parallelism"]


def meets_owasp_minimum(memory_kib: int, time_cost: int, parallelism: int) -> bool:
    """argon2id at or above OWASP's minimum: m ≥ 19456 KiB (19 MiB), t ≥ 2, p ≥ 1."""
    return (
        memory_kib >= OWASP_MIN_MEMORY_KIB
        and time_cost >= OWASP_MIN_TIME_COST
        and parallelism >= OWASP_MIN_PARALLELISM
    )


def hasher() -> PasswordHasher:
    """An argon2id hasher with the region's parameters (argon2-cffi uses argon2id by default)."""
    memory, time_cost, parallelism = hasher_parameters()
    return PasswordHasher(time_cost=time_cost, memory_cost=memory, parallelism=parallelism)


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """True when ``password`` matches; a malformed stored hash counts as a mismatch."""
    try:
        return hasher().verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with other parameters than the region's current ones."""
    try:
        return hasher().check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


def dummy_hash() -> str:
    """A hash of a random password with the current parameters, made once per process.

    An unknown login is checked against it, so it costs the same time as a
    wrong password for a real login.
    """
    key = hasher_parameters()
    with _dummy_lock:
        if key not in _dummy_hashes:
            _dummy_hashes[key] = hasher().hash(secrets.token_urlsafe(16))
        return _dummy_hashes[key]


def temporary_password() -> str:
    """A random temporary password from ``secrets`` (10 characters of 31 ≈ 49.5 bits by default)."""
    length = settings(PLUGIN)["temporary_password_length"]
    return "".join(secrets.choice(TEMPORARY_ALPHABET) for _ in range(length))


def password_problems(password: str, *, login: str, current: str) -> list[str]:
    """Why a chosen password is refused (Russian, for the form); empty when it is fine.

    Length only, no composition rules (ASVS 6.2.1, 6.2.5); not the login, not the
    current password, not one of the most common passwords (on either keyboard layout).
    """
    problems = []
    minimum = settings(PLUGIN)["min_password_length"]
    if len(password) < minimum:
        problems.append(_("Пароль должен быть не короче %(n)s символов.", n=minimum))
    if len(password) > MAX_PASSWORD_LENGTH:
        problems.append(_("Пароль должен быть не длиннее %(n)s символов.", n=MAX_PASSWORD_LENGTH))
    lowered = password.strip().lower()
    if lowered == login.lower():
        problems.append(_("Пароль не должен совпадать с логином."))
    if password == current:
        problems.append(_("Новый пароль должен отличаться от текущего."))
    if is_common(password):
        problems.append(_("Этот пароль слишком распространён, его легко угадать. Придумайте другой."))
    return problems
