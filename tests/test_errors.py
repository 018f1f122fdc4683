"""The one exception tree: the tree node/errors.py draws in its docstring is the tree of its
classes, and fetch errors name the URL and the reason (and the status, and when to retry)."""

from __future__ import annotations

import re

from node import errors


def drawn_tree() -> list[tuple[int, str]]:
    """(depth, class name) for each line of the tree in the module docstring."""
    lines = (errors.__doc__ or "").splitlines()
    root = next(line for line in lines if line.strip() == "SolidarityError")
    margin = root.index("S")
    found = [(0, "SolidarityError")]
    for line in lines:
        branch = re.search(r"[├└]── ([A-Z]\w+)", line)
        if branch:
            found.append(((branch.start() - margin) // 4 + 1, branch.group(1)))
    return found


def test_the_drawn_tree_is_the_class_tree() -> None:
    drawn = drawn_tree()
    assert drawn[0] == (0, "SolidarityError")
    parents: dict[int, str] = {}
    for depth, name in drawn:
        parents[depth] = name
        if depth:
            child, parent = getattr(errors, name), getattr(errors, parents[depth - 1])
            assert child.__bases__ == (parent,), f"{name} should derive from {parents[depth - 1]}"
    defined = {
        name
        for name, value in vars(errors).items()
        if isinstance(value, type) and issubclass(value, errors.SolidarityError)
    }
    assert defined == {name for _, name in drawn}


def test_fetch_errors_name_the_url_and_the_reason() -> None:
    refused = errors.FetchRefused("https://10.0.0.1/", "a private address")
    assert str(refused) == "https://10.0.0.1/: a private address"
    assert (refused.url, refused.reason) == ("https://10.0.0.1/", "a private address")
    status = errors.FetchStatus("https://r.test/x", 429, retry_after=30.0)
    assert str(status) == "https://r.test/x: answered HTTP 429"
    assert (status.status, status.retry_after) == (429, 30.0)
    assert errors.Overloaded("busy", 10).retry_after == 10
