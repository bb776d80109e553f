"""Report figures: median, nearest-rank p90, compliance."""

from service_desk.rules.report_figures import compliance, median, percentile


def test_report_figures():
    assert median([3, 1, 2, 10]) == 2.5 and median([]) is None
    assert percentile(list(range(1, 11)), 0.9) == 9
    assert compliance(3, 1) == 0.75 and compliance(0, 0) is None
