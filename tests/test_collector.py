"""collector_paused: the cyclic collector off while a cohort's objects are built, as it was before afterwards."""

import gc

import pytest

from permanence_core.collector import collector_paused


@pytest.fixture
def enabled():
    was = gc.isenabled()
    gc.enable()
    yield
    # Left as it was, whatever the test did.
    if was:
        gc.enable()
    else:
        gc.disable()


def test_the_collector_is_paused_inside_and_running_again_after_even_when_the_work_fails(enabled):
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner pause does not restart it
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("the work failed")
    assert gc.isenabled()


def test_a_collector_paused_before_stays_paused_and_nothing_is_left_frozen(enabled):
    gc.disable()
    with collector_paused():
        kept = [[] for _ in range(1000)]
    assert not gc.isenabled()
    assert gc.get_freeze_count() == 0
    assert kept
