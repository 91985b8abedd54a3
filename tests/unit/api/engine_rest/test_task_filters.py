"""Camunda 7's task query read into Regista's: lists, dates, LIKE patterns, sorting, and
the 400 that names a filter Regista does not answer."""

from __future__ import annotations

import datetime as dt

import pytest

from regista.api.engine_rest.task_filters import read_filter
from regista.api.problems import ApiError


def test_query_parameters_split_lists_and_read_camunda_dates() -> None:
    found = read_filter(
        {
            "candidateGroups": "sales,finance",
            "dueBefore": "2013-01-23T14:42:45.000+0200",
            "createdAfter": "2013-01-23T14:42:45",
            "unassigned": "true",
            "maxPriority": "60",
            "firstResult": "3",
        },
        from_query=True,
    )
    assert found.candidateGroups == ["sales", "finance"]
    assert found.dueBefore == dt.datetime(2013, 1, 23, 12, 42, 45, tzinfo=dt.UTC)
    assert found.createdAfter == dt.datetime(2013, 1, 23, 14, 42, 45, tzinfo=dt.UTC)
    assert found.unassigned is True and found.maxPriority == 60


def test_a_body_keeps_its_lists_and_sorting() -> None:
    found = read_filter(
        {"taskIdIn": ["1", "2"], "sorting": [{"sortBy": "dueDate", "sortOrder": "desc"}]},
        from_query=False,
    )
    assert found.taskIdIn == ["1", "2"] and found.sorting is not None
    assert found.sorting[0].sortBy == "dueDate"


@pytest.mark.parametrize(
    ("raw", "named"),
    [
        ({"colour": "red"}, "colour"),
        ({"dueAfter": "soon"}, "dueAfter"),
        ({"priority": "high"}, "priority"),
        ({"sortBy": "colour", "sortOrder": "asc"}, "colour"),
        ({"sortBy": "name", "sortOrder": "up"}, "sortOrder"),
        ({"sortBy": "name"}, "sortBy"),
    ],
)
def test_what_regista_cannot_answer_is_a_400_naming_it(raw: dict[str, str], named: str) -> None:
    with pytest.raises(ApiError) as caught:
        read_filter(raw, from_query=True)
    assert caught.value.status == 400 and named in caught.value.detail
