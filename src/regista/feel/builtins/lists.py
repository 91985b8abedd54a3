"""List built-ins (DMN 1.5 §10.3.4.4) and the list statistics of §10.3.4.5 (product, median,
stddev, mode).

A list parameter also accepts a single value, which the spec's implicit conversion turns
into a singleton list; `min`, `max`, `sum`, `mean`, `all`, `any`, `product`, `median`,
`stddev` and `mode` take either one list or the items as separate arguments.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from functools import reduce
from typing import Any

from regista.feel.builtins.conversion import (
    function_arg,
    integer_arg,
    list_arg,
    position_index,
    registrar,
    type_error,
)
from regista.feel.values import (
    DECIMAL,
    DaysTimeDuration,
    FeelEvalError,
    FeelFunction,
    WideDate,
    YearsMonthsDuration,
    compare,
    equal,
    kind,
)

LIST_BUILTINS: dict[str, FeelFunction] = {}
_builtin = registrar(LIST_BUILTINS)


class _ListOrItems(FeelFunction):
    """`f(list)` or `f(item1, ..., itemN)`: either way the impl receives the one list.

    A single positional argument is the list (or, not being a list, its only item); with
    named arguments the parameter `list` is the list.
    """

    __slots__ = ()

    def bind(self, args: Sequence[Any], named: Mapping[str, Any] | None) -> list[Any]:
        if named is not None:
            return super().bind(args, named)
        if not args:
            raise FeelEvalError(f"function {self.name} needs a list or at least one item")
        return [args[0] if len(args) == 1 else list(args)]


class _Varargs(FeelFunction):
    """The last parameter gathers the remaining positional arguments into a list; passed by
    name, it is a single argument (`append(list: [1], item: 2)` is `[1, 2]`)."""

    __slots__ = ()

    def __init__(self, name: str, signatures: Sequence[Sequence[str]], impl: Any) -> None:
        super().__init__(name, signatures, impl, variadic=True)

    def bind(self, args: Sequence[Any], named: Mapping[str, Any] | None) -> list[Any]:
        bound = super().bind(args, named)
        if named is not None:
            last = self.params[-1]
            bound[-1] = [named[last]] if last in named else []
        return bound


_list_or_items = registrar(LIST_BUILTINS, _ListOrItems)
_varargs = registrar(LIST_BUILTINS, _Varargs)


def _numbers(value: Any) -> list[Decimal]:
    items = list_arg(value, "list")
    for item in items:
        if not isinstance(item, Decimal):
            raise type_error("list", "a list of numbers", item)
    return items


def _booleans(value: Any) -> list[bool | None]:
    items = list_arg(value, "list")
    for item in items:
        if item is not None and not isinstance(item, bool):
            raise type_error("list", "a list of booleans", item)
    return items


# Kinds whose Python equality and hash agree with FEEL equality (not times and date-times,
# which FEEL compares by their UTC offset to the second, nor lists, contexts and ranges).
_HASHABLE = (bool, Decimal, str, dt.date, WideDate, DaysTimeDuration, YearsMonthsDuration)


def _distinct(items: Iterable[Any]) -> list[Any]:
    """The items without repeats under FEEL equality, first occurrences kept in order."""
    out: list[Any] = []
    seen: set[tuple[str, Any]] = set()
    for item in items:
        if item is None or (isinstance(item, _HASHABLE) and not isinstance(item, dt.datetime)):
            key = (kind(item), item)  # the kind keeps true apart from 1
            if key not in seen:
                seen.add(key)
                out.append(item)
        elif not any(equal(item, o) is True for o in out):
            out.append(item)
    return out


# ---------------------------------------------------------------- queries


@_builtin("list contains", ("list", "element"))
def list_contains(list_: Any, element: Any) -> bool:
    """Whether an item equals the element (null finds a null item)."""
    return any(equal(item, element) is True for item in list_arg(list_, "list"))


@_builtin("count", ("list",))
def count(list_: Any) -> Decimal:
    return Decimal(len(list_arg(list_, "list")))


@_builtin("index of", ("list", "match"))
def index_of(list_: Any, match: Any) -> list[Any]:
    """The 1-based positions of the items equal to `match`."""
    items = list_arg(list_, "list")
    return [Decimal(i) for i, item in enumerate(items, 1) if equal(item, match) is True]


def _extreme(list_: Any, sign: int) -> Any:
    items = list_arg(list_, "list")
    if not items:
        return None
    best = items[0]
    if compare(best, best) is None:
        raise FeelEvalError(f"a {kind(best)} has no order")
    for item in items[1:]:
        c = compare(item, best)
        if c is None:
            raise FeelEvalError(f"cannot compare a {kind(item)} with a {kind(best)}")
        if c * sign > 0:
            best = item
    return best


@_list_or_items("min", ("list",))
def min_(list_: Any) -> Any:
    """The least item (of any ordered kind); null for an empty list."""
    return _extreme(list_, -1)


@_list_or_items("max", ("list",))
def max_(list_: Any) -> Any:
    """The greatest item (of any ordered kind); null for an empty list."""
    return _extreme(list_, 1)


@_list_or_items("all", ("list",))
def all_(list_: Any) -> bool | None:
    """False if any item is false, else null if any is null, else true (also when empty)."""
    items = _booleans(list_)
    if False in items:
        return False
    return None if None in items else True


@_list_or_items("any", ("list",))
def any_(list_: Any) -> bool | None:
    """True if any item is true, else null if any is null, else false (also when empty)."""
    items = _booleans(list_)
    if True in items:
        return True
    return None if None in items else False


# ---------------------------------------------------------------- statistics


@_list_or_items("sum", ("list",))
def sum_(list_: Any) -> Decimal | None:
    """The sum of the numbers; null for an empty list."""
    items = _numbers(list_)
    return reduce(DECIMAL.add, items) if items else None


@_list_or_items("product", ("list",))
def product(list_: Any) -> Decimal | None:
    """The product of the numbers; null for an empty list."""
    items = _numbers(list_)
    return reduce(DECIMAL.multiply, items) if items else None


@_list_or_items("mean", ("list",))
def mean(list_: Any) -> Decimal | None:
    """The arithmetic mean; null for an empty list."""
    items = _numbers(list_)
    if not items:
        return None
    return DECIMAL.divide(reduce(DECIMAL.add, items), Decimal(len(items)))


@_list_or_items("median", ("list",))
def median(list_: Any) -> Decimal | None:
    """The middle number, or the mean of the two middle ones; null for an empty list."""
    items = sorted(_numbers(list_))
    if not items:
        return None
    middle = len(items) // 2
    if len(items) % 2:
        return items[middle]
    return DECIMAL.divide(DECIMAL.add(items[middle - 1], items[middle]), Decimal(2))


@_list_or_items("stddev", ("list",))
def stddev(list_: Any) -> Decimal | None:
    """The sample standard deviation; null for fewer than two numbers."""
    items = _numbers(list_)
    if len(items) < 2:
        return None
    n = Decimal(len(items))
    average = DECIMAL.divide(reduce(DECIMAL.add, items), n)
    squares = [DECIMAL.power(DECIMAL.subtract(x, average), 2) for x in items]
    variance = DECIMAL.divide(reduce(DECIMAL.add, squares), DECIMAL.subtract(n, Decimal(1)))
    return DECIMAL.sqrt(variance)


@_list_or_items("mode", ("list",))
def mode(list_: Any) -> list[Any]:
    """The most frequent numbers in ascending order; empty for an empty list."""
    counts: dict[Decimal, int] = {}
    for x in _numbers(list_):
        counts[x] = counts.get(x, 0) + 1  # Decimal hashing ignores trailing zeros
    if not counts:
        return []
    most = max(counts.values())
    return sorted(x for x, c in counts.items() if c == most)


# ---------------------------------------------------------------- building lists


@_builtin("sublist", ("list", "start position"), ("list", "start position", "length"))
def sublist(list_: Any, start: Any, length: Any = None) -> list[Any]:
    """Items from a 1-based start position (negative counts from the end)."""
    items = list_arg(list_, "list")
    index = position_index(start, len(items), "start position")
    if length is None:
        return items[index:]
    count_ = integer_arg(length, "length")
    if count_ < 0:
        raise FeelEvalError(f"'length' must not be negative, got {count_}")
    return items[index : index + count_]


@_varargs("append", ("list", "item"))
def append(list_: Any, items: list[Any]) -> list[Any]:
    """The list with the items added at its end."""
    return [*list_arg(list_, "list"), *items]


@_varargs("concatenate", ("list",))
def concatenate(lists: list[Any]) -> list[Any]:
    """The items of all the lists, in order."""
    return [item for lst in lists for item in list_arg(lst, "list")]


@_builtin("insert before", ("list", "position", "newItem"))
def insert_before(list_: Any, position: Any, new_item: Any) -> list[Any]:
    """The list with the new item inserted before the 1-based (or negative) position."""
    items = list_arg(list_, "list")
    index = position_index(position, len(items), "position")
    return [*items[:index], new_item, *items[index:]]


@_builtin("remove", ("list", "position"))
def remove(list_: Any, position: Any) -> list[Any]:
    """The list without the item at the 1-based (or negative) position."""
    items = list_arg(list_, "list")
    index = position_index(position, len(items), "position")
    return [*items[:index], *items[index + 1 :]]


@_builtin("reverse", ("list",))
def reverse(list_: Any) -> list[Any]:
    return list_arg(list_, "list")[::-1]


@_varargs("union", ("list",))
def union(lists: list[Any]) -> list[Any]:
    """The distinct items of all the lists, in order of first occurrence."""
    return _distinct(item for lst in lists for item in list_arg(lst, "list"))


@_builtin("distinct values", ("list",))
def distinct_values(list_: Any) -> list[Any]:
    """The items without repeats, in order of first occurrence."""
    return _distinct(list_arg(list_, "list"))


@_builtin("flatten", ("list",))
def flatten(list_: Any) -> list[Any]:
    """The items of nested lists, at any depth, as one list."""
    out: list[Any] = []

    def walk(items: list[Any]) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                out.append(item)

    walk(list_arg(list_, "list"))
    return out


@_builtin("list replace", ("list", "position", "newItem"), ("list", "match", "newItem"))
def list_replace(list_: Any, where: Any, new_item: Any) -> list[Any]:
    """Replace the item at a position, or every item for which `match(item, newItem)` is
    true."""
    items = list_arg(list_, "list")
    if isinstance(where, FeelFunction):
        out: list[Any] = []
        for item in items:
            hit = where.invoke([item, new_item])
            if not isinstance(hit, bool):
                raise FeelEvalError(f"'match' must return a boolean, not {kind(hit)}")
            out.append(new_item if hit else item)
        return out
    if not isinstance(where, Decimal):
        raise type_error("position", "a number or a match function", where)
    index = position_index(where, len(items), "position")
    return [*items[:index], new_item, *items[index + 1 :]]


# ---------------------------------------------------------------- sorting


class _SortKey:
    """Orders items by a FEEL `precedes(a, b)` function, or by FEEL `<` without one."""

    __slots__ = ("precedes", "value")

    def __init__(self, value: Any, precedes: FeelFunction | None) -> None:
        self.value = value
        self.precedes = precedes

    def __lt__(self, other: _SortKey) -> bool:
        if self.precedes is None:
            c = compare(self.value, other.value)
            if c is None:
                raise FeelEvalError(f"cannot order a {kind(self.value)} and a {kind(other.value)}")
            return c < 0
        result = self.precedes.invoke([self.value, other.value])
        if not isinstance(result, bool):
            raise FeelEvalError(f"'precedes' must return a boolean, not {kind(result)}")
        return result


@_builtin("sort", ("list",), ("list", "precedes"))
def sort(list_: Any, precedes: Any = None) -> list[Any]:
    """A stable sort by the `precedes(a, b)` function (true when a comes before b);
    without one, in ascending FEEL order."""
    items = list_arg(list_, "list")
    fn = None if precedes is None else function_arg(precedes, "precedes")
    keys = sorted(_SortKey(item, fn) for item in items)
    return [k.value for k in keys]
