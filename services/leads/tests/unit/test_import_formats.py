"""Import formats: other systems' statuses in ours."""

from __future__ import annotations

from leads.rules.import_formats import map_status


def test_foreign_statuses_map_to_ours():
    assert map_status("Open - Not Contacted") == "new"
    assert map_status("Closed - Converted") == "qualified"
    assert map_status("marketingqualifiedlead") == "nurturing"
    assert map_status("Sales Qualified Lead") == "qualified"
    assert map_status("weird") is None
