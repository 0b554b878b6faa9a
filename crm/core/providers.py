"""What other domains contribute to a customer's pages, registered instead of imported.

The customer timeline, its summary card and the merge ask every domain that registered a
provider here (ARCHITECTURE.md §13), so ``customers/`` imports none of their models and a new
kind of record appears by registering. Each domain registers from its blueprint's
``record_once`` hook, that is while ``create_app`` registers the blueprint; registering the same
kind or name again replaces the earlier provider, so building several apps is harmless.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, func, select, update

from crm.extensions import db

if TYPE_CHECKING:
    from crm.auth.models import User
    from crm.customers.models import Customer

#: the audience that sees a kind's every row, and the one that sees none of them
EVERYONE, NOBODY = "everyone", "nobody"


def _everyone(_viewer: User | None) -> str:
    return EVERYONE


def _no_conditions(_audience: str) -> list[ColumnElement[bool]]:
    return []


@dataclass(frozen=True, eq=False)
class TimelineProvider:
    """One kind of timeline entry, described as a keyset query so that the timeline reads all
    kinds of a page in one statement (each kind through its (customer, time, id) index) and
    loads each kind's rows in one more.

    The entries a provider yields for a customer are the rows of ``model`` whose
    ``customer_id`` is the customer's and ``live()`` holds, newest ``at`` first.
    """

    kind: str
    #: the filter option's text (a lazy translation)
    label: Any
    model: Any
    #: the entry's time, the keyset's first key (the model's ``id`` is the second)
    at: Any
    #: the customer column; on another table when ``join`` names it
    customer_id: Any
    #: extra conditions (e.g. hide deleted entries)
    live: Callable[[], list[ColumnElement[bool]]] = list
    #: the column a category filter applies to; kinds without one drop out under a filter
    category: Any = None
    #: loader options for what the entry links to but the timeline does not show
    not_shown: Callable[[], list[Any]] = list
    #: (table, on clause) joined when ``customer_id`` is on another table
    join: Callable[[], tuple[Any, Any]] | None = None
    #: which audience the viewer belongs to: EVERYONE, NOBODY or a name ``scoped`` knows
    audience: Callable[[User | None], str] = _everyone
    #: the conditions of an audience; they may use the bind parameter ``viewer_id``
    scoped: Callable[[str], list[ColumnElement[bool]]] = _no_conditions
    #: the object rule each loaded row is checked against (``crm.access``), if any
    may_read: Callable[[User, Any], bool] | None = None
    #: one line of text for the API
    summary: Callable[[Any], str | None] = lambda _item: None


@dataclass(frozen=True, eq=False)
class MergeProvider:
    """A domain's rows that follow a merged customer, and go back when the merge is undone."""

    #: the key of the merge preview's count and of the merge record's moved ids
    name: str
    #: the preview's text (a lazy translation)
    label: Any
    count: Callable[[Customer], int]
    #: moves the domain's rows of ``from_customer`` to ``to_customer`` and returns their ids,
    #: which the merge keeps so that an undo moves back exactly these; flushes, never commits
    reassign_customer: Callable[[Customer, Customer, User], list[int]]
    #: how many of these ids are still rows of the customer (an undo refuses when one is not)
    held: Callable[[list[int], Customer], int]
    #: moves the rows of these ids back to the ``source`` customer of the undone merge
    restore: Callable[[list[int], Customer], None]


@dataclass(frozen=True, eq=False)
class SummaryProvider:
    """A domain's piece of the summary card at the top of a customer's page (open cases, the
    next callback, the satisfaction trend ...)."""

    name: str
    #: the piece's place in the card, lowest first
    order: int
    #: the partial that shows the piece; it gets ``piece`` (what ``load`` gave) and ``customer``
    template: str
    #: what the viewer is shown of the customer, in a fixed number of statements; None leaves
    #: the piece out (e.g. for a role that has no use for it)
    load: Callable[[Customer, User], Any]


@dataclass(frozen=True, eq=False)
class CustomerFacet:
    """A domain's filter of the customer list (a query-string parameter) that is also a
    column of the list's export, e.g. the value segment."""

    #: the query-string parameter
    name: str
    #: the filter's and the export column's heading (a lazy translation)
    label: Any
    #: (value, label) of the filter's options
    choices: Callable[[], list[tuple[str, str]]]
    #: the condition on customers for one of the values
    condition: Callable[[str], ColumnElement[bool]]
    #: the export cell of each of these customer ids (missing: empty)
    cells: Callable[[list[int]], dict[int, str]]


@dataclass(frozen=True)
class SummaryPiece:
    template: str
    data: Any


_timeline: dict[str, TimelineProvider] = {}
_merge: dict[str, MergeProvider] = {}
_summary: dict[str, SummaryProvider] = {}
_facets: dict[str, CustomerFacet] = {}


def register_customer_facet(facet: CustomerFacet) -> None:
    _facets[facet.name] = facet


def customer_facets() -> tuple[CustomerFacet, ...]:
    return tuple(_facets[name] for name in sorted(_facets))


def register_timeline_provider(kind: str, provider: TimelineProvider) -> None:
    if provider.kind != kind:
        raise ValueError(f"provider of {provider.kind!r} registered as {kind!r}")
    _timeline[kind] = provider


def register_merge_provider(provider: MergeProvider) -> None:
    _merge[provider.name] = provider


def register_summary_provider(provider: SummaryProvider) -> None:
    _summary[provider.name] = provider


def summary_pieces(customer: Customer, viewer: User) -> list[SummaryPiece]:
    """The pieces of the customer's summary card the viewer is shown, in their order."""
    pieces = []
    for provider in sorted(_summary.values(), key=lambda provider: (provider.order, provider.name)):
        data = provider.load(customer, viewer)
        if data is not None:
            pieces.append(SummaryPiece(provider.template, data))
    return pieces


def timeline_providers() -> tuple[TimelineProvider, ...]:
    """The registered kinds, in a stable order (by kind)."""
    return tuple(_timeline[kind] for kind in sorted(_timeline))


def merge_providers() -> tuple[MergeProvider, ...]:
    return tuple(_merge.values())


#: ids per statement when moving rows back, well under every database's parameter limit
ID_CHUNK = 500


def rows_following_customer(name: str, label: Any, column: Any) -> MergeProvider:
    """The merge provider of a table with a customer column and an ``id`` key: it counts,
    moves and moves back its rows (every domain's rows so far are such a table)."""
    table = column.table

    def count(customer: Customer) -> int:
        query = select(func.count()).select_from(table).where(column == customer.id)
        return db.session.scalar(query) or 0

    def reassign_customer(
        from_customer: Customer, to_customer: Customer, _actor: User
    ) -> list[int]:
        moved = db.session.execute(
            update(table)
            .where(column == from_customer.id)
            .values({column.key: to_customer.id})
            .returning(table.c.id)
            .execution_options(synchronize_session=False)
        )
        return sorted(moved.scalars())

    def held(ids: list[int], customer: Customer) -> int:
        return sum(
            db.session.scalar(
                select(func.count())
                .select_from(table)
                .where(table.c.id.in_(chunk), column == customer.id)
            )
            or 0
            for chunk in _chunks(ids)
        )

    def restore(ids: list[int], source: Customer) -> None:
        for chunk in _chunks(ids):
            db.session.execute(
                update(table)
                .where(table.c.id.in_(chunk))
                .values({column.key: source.id})
                .execution_options(synchronize_session=False)
            )

    return MergeProvider(name, label, count, reassign_customer, held, restore)


def _chunks(ids: list[int]) -> list[list[int]]:
    return [ids[start : start + ID_CHUNK] for start in range(0, len(ids), ID_CHUNK)]
