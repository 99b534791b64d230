"""Issue 15 item 7: the calculator explains its result in one Russian sentence, with correct plural forms."""

from __future__ import annotations

from decimal import Decimal

import pytest

from plugins.gradebook.family_views import calculator_sentence
from plugins.gradebook.queries import WhatIf


@pytest.mark.parametrize(("needed", "words"), [
    (1, "нужна ещё 1 пятёрка"), (2, "нужны ещё 2 пятёрки"), (4, "нужны ещё 4 пятёрки"),
    (5, "нужно ещё 5 пятёрок"), (11, "нужно ещё 11 пятёрок"), (21, "нужна ещё 21 пятёрка"),
    (22, "нужны ещё 22 пятёрки"),
])
def test_fives_needed_for_a_five_in_russian_plural_forms(app, needed, words):
    with app.test_request_context():
        text = calculator_sentence(WhatIf(Decimal("4.12"), "4", {"5": needed, "4": 0}), hoped=False)
    assert text == f"Сейчас выходит «4» (средний балл 4,12): {words}, чтобы вышла «5»."


def test_fours_needed_when_the_grade_is_below_four_and_an_unreachable_target(app):
    with app.test_request_context():
        three = calculator_sentence(WhatIf(Decimal("3.2"), "3", {"5": 12, "4": 3}), hoped=True)
        stuck = calculator_sentence(WhatIf(Decimal("4.4"), "4", {"5": None, "4": 0}), hoped=False)
        five = calculator_sentence(WhatIf(Decimal("4.8"), "5", {"5": 0, "4": 0}), hoped=True)
    assert three == "С этими отметками выйдет «3» (средний балл 3,20): нужны ещё 3 четвёрки, чтобы вышла «4»."
    assert stuck == "Сейчас выходит «4» (средний балл 4,40): до «5» не дотянуть даже 30 отметками «5»."
    assert five == "С этими отметками выйдет «5» (средний балл 4,80)."


def test_too_few_marks_say_so(app):
    with app.test_request_context():
        text = calculator_sentence(WhatIf(None, "н/а", {"5": 3, "4": 3}), hoped=False)  # i18n: data
    assert text == "Пока мало отметок для отметки за период: нужны ещё 3 четвёрки, чтобы вышла «4»."
