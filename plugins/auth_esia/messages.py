"""What a person is told when a Gosuslugi login fails, by cause and ESIA error code."""

from __future__ import annotations

from core.api import lazy_gettext

DECLINED = lazy_gettext(
    "Вход через Госуслуги отменён: вы не дали согласие на передачу данных. "
    "Чтобы войти, начните вход заново и нажмите «Предоставить»."
)
UNAVAILABLE = lazy_gettext(
    "Госуслуги сейчас не отвечают, войти через них не получилось. Пожалуйста, попробуйте позже. "
    "Если школа выдала вам логин и пароль, вы можете войти с ними."
)
SESSION_ENDED = lazy_gettext(
    "Сеанс входа через Госуслуги завершён: Госуслуги больше не подтверждают вход в электронную школу "
    "с вашей учётной записью (например, доступ отозван в личном кабинете Госуслуг). Войдите снова."
)
STATE_INVALID = lazy_gettext(
    "Попытка входа устарела или открыта в другом браузере. Начните вход через Госуслуги заново с этой страницы."
)
REJECTED = lazy_gettext(
    "Ответ Госуслуг не прошёл проверку подлинности, вход не выполнен. Начните вход заново; "
    "если ошибка повторится, сообщите в службу поддержки электронной школы."
)
CONFIGURATION = lazy_gettext(
    "Вход через Госуслуги временно не работает из-за ошибки настройки подключения электронной школы к ЕСИА. "
    "Мы уже знаем об ошибке; попробуйте позже или войдите по логину и паролю от школы."
)
GENERIC = lazy_gettext("Госуслуги отказали во входе ({code}). Попробуйте начать вход заново чуть позже.")
UNCONFIRMED = lazy_gettext(
    "Вход не выполнен: ваша учётная запись на Госуслугах не подтверждена. Подтвердите её — в центре "
    "обслуживания (МФЦ) с паспортом и СНИЛС, в интернет-банке вашего банка или электронной подписью — "
    "и войдите снова. Подтверждение обычно занимает несколько минут."
)
SNILS_MISMATCH = lazy_gettext(
    "Вход не выполнен: СНИЛС в вашей учётной записи Госуслуг не совпадает со СНИЛС, записанным в школе "
    "для этого пользователя. Обратитесь к администратору школы, чтобы он проверил реестр «Родители»."
)
ANOTHER_ACCOUNT = lazy_gettext(
    "Вход не выполнен: к этому пользователю электронной школы уже привязана другая учётная запись Госуслуг. "
    "Войдите с ней или обратитесь к администратору школы."
)

# ESIA-0070xx → message; codes that mean "our configuration is wrong" share one text.
BY_CODE = {
    "ESIA-007004": DECLINED,
    "ESIA-007002": CONFIGURATION,
    "ESIA-007003": CONFIGURATION,
    "ESIA-007005": CONFIGURATION,
    "ESIA-007006": CONFIGURATION,
    "ESIA-007009": CONFIGURATION,
    "ESIA-007012": CONFIGURATION,
    "ESIA-007013": CONFIGURATION,
    "ESIA-007014": CONFIGURATION,
    "ESIA-007019": CONFIGURATION,
    "ESIA-007023": CONFIGURATION,
    "ESIA-007053": CONFIGURATION,
    "ESIA-008010": CONFIGURATION,
    "ESIA-007007": UNAVAILABLE,
    "ESIA-007008": UNAVAILABLE,
    "ESIA-007011": lazy_gettext(
        "Код входа от Госуслуг уже использован или устарел. Начните вход через Госуслуги заново."
    ),
    "ESIA-007015": lazy_gettext(
        "Госуслуги отклонили запрос из-за расхождения времени на сервере электронной школы. "
        "Мы уже знаем об ошибке; попробуйте позже."
    ),
    "ESIA-007055": UNCONFIRMED,
}


def for_esia_error(error: str, code: str) -> str:
    """The Russian message for an ESIA error answer."""
    if code in BY_CODE:
        return str(BY_CODE[code])
    if error == "access_denied" and not code:
        return str(DECLINED)
    return str(GENERIC).format(code=code or error)
