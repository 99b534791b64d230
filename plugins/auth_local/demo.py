"""The auth_local part of the demo region: school-issued logins with known passwords for the printed accounts.

The passwords are set as if each person had already changed the temporary one
(not temporary, no expiry), so the printed logins work at once. They are
public on purpose: a demo only. Reads ``registries.staff``,
``registries.students``, ``registries.parents`` and ``registries.featured``
from ``demo.shared``; adds ``auth_local.logins`` (``{role key: login}``).
"""

from __future__ import annotations

from core.api import Identity, User, link_identity, utcnow
from plugins.auth_local import credentials
from plugins.auth_local.models import LocalCredential

# key in registries.featured → (who, password, note); the order is the order printed
ACCOUNTS = (
    ("teacher", "Учитель", "uchitel-demo", "журнал своих классов: отметки, посещаемость, темы, д/з"),
    ("school_admin", "Администратор школы", "admin-demo", "реестры, логины учащихся, готовность к услуге"),
    ("deputy", "Завуч", "zavuch-demo", "журналы школы, своевременность заполнения"),
    ("municipality", "Муниципалитет", "rayon-demo", "готовность и своевременность по школам, без личных данных"),
    ("operator", "Оператор региона", "operator-demo", "своды по всем школам региона"),
    ("second_parent", "Родитель по логину школы", "roditel-demo", "второй родитель тех же детей"),
    ("young_student", "Учащийся младше 14 лет", "uchenik-demo", "свои отметки и дневник"),
)


def _person(shared: dict, key: str) -> dict:
    """The registry row (as shared by the registries demo) behind a featured key."""
    source = {"second_parent": "registries.parents", "young_student": "registries.students"}.get(
        key, "registries.staff")
    wanted = shared["registries.featured"][key]
    return next(row for row in shared[source] if row["id"] == wanted)


def generate(demo) -> None:
    """Give each printed account a login (surname + digits from the seed) and its known password.

    Only the kept passwords are hashed (with the region's argon2 parameters, on a thread pool): the
    accounts are made as they stand after the person's first change, not through a temporary password.
    """
    people = [(key, who, password, note, _person(demo.shared, key)) for key, who, password, note in ACCOUNTS]
    hashes = credentials.hash_many([password for _key, _who, password, _note, _person_row in people])
    now = utcnow()
    logins = {}
    for (key, who, password, note, person), password_hash in zip(people, hashes, strict=True):
        login = credentials.normalize_login(
            f"{credentials.transliterate(person['last_name'])[:credentials.LOGIN_BASE_MAX]}"
            f"{demo.random.randint(1000, 9999)}")
        LocalCredential.create(user=person["user_id"], login=login, password_hash=password_hash,
                               is_temporary=False, expires_at=None, issued_at=now, changed_at=now,
                               failures_reset_at=now)
        link_identity(User.get_by_id(person["user_id"]), Identity(provider="local", subject=login))
        logins[key] = login
        demo.add_login(who, "логин и пароль", login, password, f"{person['full_name']}: {note}")
    demo.shared["auth_local.logins"] = logins
