"""The public surface of ``projections``, pinned."""

from __future__ import annotations

from branchline import projections


def test_all_is_sorted_and_lists_the_public_names() -> None:
    def isort_style(name: str) -> tuple[int, str]:
        return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)

    assert projections.__all__ == sorted(projections.__all__, key=isort_style)
    assert projections.__all__ == [
        "CheckpointRow",
        "ConnectionLost",
        "Decision",
        "LogMismatch",
        "NotificationLog",
        "PendingInterrupt",
        "ProjectionError",
        "SkippedEvent",
        "ThreadRow",
        "UnknownStream",
        "Views",
        "ViewsConfigError",
        "views_path",
    ]
    assert all(hasattr(projections, name) for name in projections.__all__)
