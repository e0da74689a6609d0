"""Profiles as data: extends, overrides, switching rules off, and malformed files naming the file, rule and key."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from permanence_core.calendar import WorkingCalendar
from permanence_core.errors import ConfigError
from permanence_core.rules import due_date, load_profile
from permanence_core.rules.profile import Counting, Offset


def write(tmp_path, text, name="council.toml"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_a_council_file_extends_england_overrides_and_switches_off(tmp_path):
    path = write(
        tmp_path,
        """
name = "my-council"
extends = "england"
[settings]
warning_days = 21
[rules."adoption.a1"]
enabled = false
[rules."review.first"]
counting = "inclusive"
[rules."ppm.local"]
title = "Local PPM"
anchor = "care_start"
offset = { weeks = 5 }
met_by = "ppm_held"
source = "Our procedures manual, section 4"
""",
    )
    profile = load_profile(path)
    ids = [r.id for r in profile.rules]
    assert "adoption.a1" not in ids
    assert "ppm.local" in ids
    assert profile.rule("review.first").counting is Counting.INCLUSIVE
    assert profile.rule("review.first").offset.working_days == 20  # the rest of the rule is inherited
    assert profile.settings.warning_days == 21
    assert profile.chain == ("my-council", "england")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name = [", r"council\.toml: is not valid TOML"),
        ('extends = "nowhere"', r"unknown profile 'nowhere'"),
        ('colour = "red"', r"council\.toml: unknown top-level key\(s\): colour"),
        (
            '[rules."x.y"]\ntitle="t"\nanchor="care_start"\noffset={ wrking_days = 3 }\nmet_by="ppm_held"\nsource="s"',
            r'council\.toml: rule "x\.y": .*wrking_days.*offset',
        ),
        (
            '[rules."x.y"]\ntitle="t"\nanchor="moon_landing"\noffset={ days = 3 }\nmet_by="ppm_held"\nsource="s"',
            r'council\.toml: rule "x\.y": anchor = \'moon_landing\' is not one of',
        ),
        ('[rules."x.y"]\ntitle="t"\nanchor="care_start"\nmet_by="ppm_held"\nsource="s"', r'rule "x\.y": .*offset'),
        (
            '[rules."x.y"]\ntitle="t"\nanchor="care_start"\noffset={ days = 3, weeks = 1 }\n'
            'met_by="ppm_held"\nsource="s"',
            r'rule "x\.y": .*exactly one of',
        ),
        ('extends = "england"\n[rules."review.first"]\nmet_by = "coffee"', r'rule "review\.first": met_by'),
        ('extends = "england"\n[rules."review.first"]\nstops = ["never"]', r'rule "review\.first": stops'),
        ('[rules]\n"x.y" = 3', r'rule "x\.y": must be a table'),
    ],
)
def test_malformed_profiles_name_the_file_rule_and_key(tmp_path, text, expected):
    with pytest.raises(ConfigError, match=expected):
        load_profile(write(tmp_path, text))


def test_extends_loops_are_refused(tmp_path):
    from permanence_core.rules.profile import resolve

    with pytest.raises(ConfigError, match="extends loops: a -> b -> a"):
        resolve("a", {"a": 'extends = "b"', "b": 'extends = "a"'})


def test_unknown_profile_names_the_available_ones():
    with pytest.raises(ConfigError, match=r"unknown profile 'nope'; available: .*bolton.*england"):
        load_profile("nope")


CAL = WorkingCalendar()
days = st.dates(min_value=dt.date(2016, 1, 1), max_value=dt.date(2034, 12, 31))
offsets = st.one_of(
    st.builds(Offset, days=st.integers(-30, 400)),
    st.builds(Offset, working_days=st.integers(-10, 60)),
    st.builds(Offset, weeks=st.integers(0, 40)),
    st.builds(Offset, months=st.integers(0, 12)),
)


@given(anchor=days, later=st.integers(0, 60), offset=offsets, counting=st.sampled_from(list(Counting)))
def test_later_anchors_never_give_earlier_due_dates(anchor, later, offset, counting):
    earlier_due = due_date(anchor, offset, counting, CAL)
    assert due_date(anchor + dt.timedelta(days=later), offset, counting, CAL) >= earlier_due


@given(anchor=days, count=st.integers(1, 60), counting=st.sampled_from(list(Counting)))
def test_a_working_day_due_date_is_never_a_non_working_day(anchor, count, counting):
    assert CAL.is_working_day(due_date(anchor, Offset(working_days=count), counting, CAL))
    assert CAL.is_working_day(due_date(anchor, Offset(working_days=-count), counting, CAL))
