"""SNILS: checksum, the exemption for old numbers, normalisation and masking."""

import pytest

from plugins.registries import snils


@pytest.mark.parametrize("value", ["112-233-445 95", "715-398-174 20", "276-488-905 42", "002-064-585 96",
                                   "774-112-048 81", "772-413-875 15", "11223344595", "112\t233-445\u00a095"])
def test_valid_snils_is_accepted_and_normalised(value):
    assert snils.validate(value) == "".join(c for c in value if c.isdigit())


@pytest.mark.parametrize("value", ["200-746-095 00", "112-233-445 96", "112-233-445 9", "абв-233-445 95", "",
                                   "\u0661\u0661\u0662-\u0662\u0663\u0663-\u0664\u0664\u0665 \u0669\u0665",
                                   "112\t233\n445\u00a095 1"])
def test_invalid_snils_is_refused_with_a_russian_reason(value):
    with pytest.raises(snils.SnilsError) as refused:
        snils.validate(value)
    assert "СНИЛС" in str(refused.value)


@pytest.mark.parametrize("value", ["000-000-600 06", "000-000-600 15", "000-000-600 31", "001-001-998 00"])
def test_numbers_up_to_001_001_998_are_exempt_from_the_checksum(value):
    assert snils.is_valid(value)


def test_first_number_above_the_exemption_is_checked():
    assert not snils.is_valid("001-001-999 00")
    assert snils.is_valid(snils.make_valid(1001999))


@pytest.mark.parametrize("body, total", [("920000003", 100), ("920000004", 101), ("990800000", 201)])
def test_sums_of_100_101_and_remainder_100_give_check_number_00(body, total):
    assert sum(int(d) * w for d, w in zip(body, range(9, 0, -1), strict=False)) == total
    assert snils.checksum(body) == 0
    assert snils.is_valid(body + "00")


def test_mask_shows_only_the_check_digits():
    assert snils.mask("11223344595") == "***-***-*** 95"
    assert snils.mask(None) == ""
    assert snils.format_snils("11223344595") == "112-233-445 95"
