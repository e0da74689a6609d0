"""Profiles as data: extends, overrides, switching rules off, and malformed files naming the file, rule and key."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from permanence_core.calendar import WorkingCalendar
from permanence_core.errors import ConfigError
from permanence_core.rules import due_date, load_profile
from permanence_core.rules.profile import Counting, Offset, resolve


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
        ('extends = "nowhere"', r"council\.toml: unknown profile 'nowhere'"),
        ('colour = "red"', r"council\.toml: unknown top-level key\(s\): colour"),
        (
            '[rules."x.y"]\ntitle="t"\nanchor="care_start"\noffset={ wrking_days = 3 }\nmet_by="ppm_held"\nsource="s"',
            r'council\.toml: rule "x\.y": .*wrking_days.*offset',
        ),
        (
            '[rules."x.y"]\ntitle="t"\nanchor="moon_landing"\noffset={ days = 3 }\nmet_by="ppm_held"\nsource="s"',
            r'council\.toml: rule "x\.y": anchor = \'moon_landing\' is not one of care_start, first_cmh, first_ppm,',
        ),
        ('[rules."x.y"]\ntitle="t"\nanchor="care_start"\nmet_by="ppm_held"\nsource="s"', r'rule "x\.y": .*offset'),
        (
            '[rules."x.y"]\ntitle="t"\nanchor="care_start"\noffset={ days = 3, weeks = 1 }\n'
            'met_by="ppm_held"\nsource="s"',
            r'rule "x\.y": .*exactly one of',
        ),
        ('extends = "england"\n[rules."review.first"]\nmet_by = "coffee"', r'rule "review\.first": met_by'),
        ('extends = "england"\n[rules."review.first"]\nstops = ["never"]', r'rule "review\.first": stops'),
        ('[rules]\n"x.y" = 3', r'council\.toml: rule "x\.y": must be a table'),
        ('[settings]\nholidays_subdiv = "XYZ"', r"holidays_subdiv = 'XYZ' is not one of ENG, NIR, SCT, WLS"),
        (
            '[settings]\nextra_closures = ["2026-13-01"]',
            r"extra_closures has '2026-13-01', which is not a YYYY-MM-DD date",
        ),
        (
            'extends = "england"\n[rules."review.first"]\napplies = { stage = ["asleep"] }',
            r'council\.toml: rule "review\.first": applies\.stage has \'asleep\', not one of adoption_plan, in_pro',
        ),
        (
            'extends = "england"\n[rules."review.first"]\napplies = "always"',
            r'council\.toml: rule "review\.first": applies must be a table',
        ),
        (
            'extends = "england"\n[rules."review.first"]\nstops = "plan_ratified"',
            r'council\.toml: rule "review\.first": stops must be a list',
        ),
        (
            'extends = "england"\n[rules."review.first"]\noffset = { working_days = [1] }',
            r'rule "review\.first": \[1\] is not a whole number @ rules\."review\.first"\.offset\.working_days$',
        ),
        ('colour = "red"\nsize = 3', r"council\.toml: unknown top-level key\(s\): colour, size$"),
        # Values of the wrong kind that cattrs alone would have coerced: letters, text, truth.
        (
            'extends = "england"\n[rules."review.first"]\napplies = { plan_route = "adoption" }',
            r'rule "review\.first": \'adoption\' is not a list @ rules\."review\.first"\.applies\.plan_route$',
        ),
        ('extends = "england"\n[rules."review.first"]\ntitle = { a = 1 }', r"\{'a': 1\} is not text @ .*\.title$"),
        (
            'extends = "england"\n[rules."review.first"]\nstatutory = "no"',
            r"'no' is not true or false @ .*\.statutory$",
        ),
        ('[panel]\nbusiness = "review.first"', r"'review\.first' is not a list @ panel\.business$"),
        # Numbers given as text, with a fraction, or as truth: cattrs alone read "10" as 10 and 3.7 as 3.
        (
            'extends = "england"\n[rules."review.first"]\nwarning_days = "10"',
            r"'10' is not a whole number @ .*\.warning_days$",
        ),
        (
            'extends = "england"\n[rules."review.first"]\noffset = { days = 3.7 }',
            r"3\.7 is not a whole number @ .*\.offset\.days$",
        ),
        ("[panel]\nreferral_working_days = true", r"True is not a whole number @ panel\.referral_working_days$"),
    ],
)
def test_malformed_profiles_name_the_file_rule_and_key(tmp_path, text, expected):
    with pytest.raises(ConfigError, match=expected):
        load_profile(write(tmp_path, text))


def test_extends_loops_are_refused(tmp_path):
    from permanence_core.rules.profile import resolve

    with pytest.raises(ConfigError, match=r"^a: extends loops: a -> b -> a"):
        resolve("a", {"a": 'extends = "b"', "b": 'extends = "a"'})


def test_an_error_in_a_profile_text_names_the_layer_it_is_in():
    from permanence_core.rules.profile import resolve

    with pytest.raises(ConfigError, match=r"^base: unknown top-level key"):
        resolve("child", {"child": 'extends = "base"', "base": 'colour = "red"'})
    with pytest.raises(ConfigError, match=r'^base: rule "x\.y": must be a table of keys'):
        resolve("child", {"child": 'extends = "base"', "base": '[rules]\n"x.y" = 3'})
    with pytest.raises(ConfigError, match=r"^child: unknown profile 'base'"):
        resolve("child", {"child": 'extends = "base"'})
    assert resolve("plain", {"plain": 'name = "plain"'}).title == "plain"  # no title: the name stands in
    with pytest.raises(KeyError, match=r"profile 'plain' has no rule 'review\.first'"):
        resolve("plain", {"plain": 'name = "plain"'}).rule("review.first")


def test_unknown_profile_names_the_available_ones():
    with pytest.raises(ConfigError, match=r"unknown profile 'nope'; available: .*bolton.*england") as caught:
        load_profile("nope")
    assert str(caught.value).startswith("--profile: unknown profile 'nope'; available: bolton, england, ")


def test_a_profile_file_that_cannot_be_read_names_the_file(tmp_path):
    with pytest.raises(ConfigError, match=r"missing\.toml: cannot read profile: No such file or directory"):
        load_profile(str(tmp_path / "missing.toml"))
    latin = tmp_path / "latin.toml"
    latin.write_bytes('title = "Séance"'.encode("cp1252"))
    with pytest.raises(ConfigError, match=r"latin\.toml: is not UTF-8 text \(at byte 10\); save it as UTF-8"):
        load_profile(str(latin))
    notepad = write(tmp_path, '\ufeffname = "notepad"\nextends = "england"\ntitle = "Saved by Notepad"')
    assert load_profile(notepad).title == "Saved by Notepad"  # a byte-order mark is not an error
    with pytest.raises(ConfigError, match=r"council\.toml: warning_days = -1 is not from 0 to 36525 @ settings$"):
        load_profile(write(tmp_path, "[settings]\nwarning_days = -1"))
    with pytest.raises(ConfigError, match=r"council\.toml: rules must be a table of rules, not a str"):
        load_profile(write(tmp_path, 'rules = "none"'))


def test_a_builtin_profile_has_its_title():
    assert load_profile("bolton").title == "Bolton Permanence Planning Meetings (seed 004)"


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


def test_a_panel_setting_of_the_wrong_kind_is_named_in_words_not_as_a_validator(tmp_path):
    path = tmp_path / "bad-panel.toml"
    path.write_text('name = "bad-panel"\nextends = "panel-tor"\n[panel]\nweekday = "sunday"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_profile(str(path))
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert "'weekday' must be in ('monday', 'tuesday', 'wednesday', 'thursday', 'friday')" in message
    assert "Attribute(" not in message and "validator" not in message
    path.write_text('name = "bad-panel"\nextends = "panel-tor"\n[panel]\nweekday = [1]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad-panel\.toml: \[1\] is not text @ panel\.weekday$"):
        load_profile(str(path))


def test_the_panels_business_is_the_rules_it_lists_or_every_rule_when_it_lists_none():
    panel = load_profile("panel-tor").panel
    assert panel.is_business("proceedings.final") and not panel.is_business("review.first")
    every = load_profile("england").panel
    assert every.business is None and every.is_business("review.first")


class _ProfilePlugin:
    """A plugin registry offering one council's profile text."""

    def __init__(self, texts):
        self.texts = texts

    def profiles(self):
        return self.texts


def test_a_broken_profile_from_a_plugin_is_named_as_a_profile():
    plugins = _ProfilePlugin({"broken": 'extends = "england"\ncolour = "red"\n', "unreadable": "name = ["})
    with pytest.raises(ConfigError, match=r"^profile broken: unknown top-level key\(s\): colour$"):
        load_profile("broken", plugins)
    with pytest.raises(ConfigError, match=r"^profile unreadable: is not valid TOML"):
        load_profile("unreadable", plugins)


def test_resolving_a_profile_the_texts_lack_names_it():
    with pytest.raises(ConfigError, match=r"^absent: unknown profile 'absent'$"):
        resolve("absent", {})


def test_a_profile_that_extends_itself_names_its_file_and_the_loop(tmp_path):
    path = tmp_path / "loop.toml"
    path.write_text('name = "loop"\nextends = "loop"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_profile(str(path))
    assert str(caught.value) == f"{path}: extends loops: loop -> loop"


def test_resolving_without_files_names_the_profile_and_every_fault_of_a_rule():
    rule = (
        '[rules."x.y"]\ntitle="t"\nanchor="care_start"\noffset=3\nmet_by="ppm_held"\nsource="s"\nwarning_days="soon"\n'
    )
    with pytest.raises(ConfigError) as caught:
        resolve("council", {"council": rule})
    assert str(caught.value) == (
        'council: rule "x.y": invalid value for type, expected Offset @ rules."x.y".offset; '
        "'soon' is not a whole number @ rules.\"x.y\".warning_days"
    )
    with pytest.raises(ConfigError) as caught:
        resolve("council", {"council": '[settings]\nwarning_days = "soon"\ndrift = 1\n'})
    assert str(caught.value) == (
        "council: 'soon' is not a whole number @ settings.warning_days; extra fields found (drift) @ settings"
    )


def test_resolving_a_panel_without_files_names_the_profile_and_each_fault():
    def fault(panel):
        with pytest.raises(ConfigError) as caught:
            resolve("council", {"council": f"[panel]\n{panel}\n"})
        return str(caught.value)

    assert fault('week = "x"\nreferral_working_days = "y"') == (
        "council: 'x' is not a whole number @ panel.week; 'y' is not a whole number @ panel.referral_working_days"
    )
    assert fault('weekday = "sunday"') == (
        "council: 'weekday' must be in ('monday', 'tuesday', 'wednesday', 'thursday', 'friday') (got 'sunday') @ panel"
    )
    assert fault('business = ["no.such", "also.not"]') == (
        "council: panel.business names rules the profile has not: also.not, no.such"
    )


def test_a_panel_naming_rules_the_profile_has_not_names_its_file(tmp_path):
    path = tmp_path / "panel.toml"
    path.write_text('name = "panel"\nextends = "panel-tor"\n[panel]\nbusiness = ["no.such"]\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_profile(str(path))
    assert str(caught.value) == f"{path}: panel.business names rules the profile has not: no.such"
