"""The lead lifecycle: which status moves are allowed."""

from __future__ import annotations

import pytest

from leads.rules.lifecycle import check_can_move, status_after_follow_up


def test_status_moves():
    check_can_move("new", "contacted")
    check_can_move("contacted", "nurturing")
    from crm_shared.errors import Conflict

    with pytest.raises(Conflict):
        check_can_move("qualified", "contacted")
    assert status_after_follow_up("new", "call") == "contacted"
    assert status_after_follow_up("nurturing", "call") == "nurturing"
