"""The category tree: the four service categories, and under each the subcategories editors
name (售后服务 › 退款). Two levels by design; see ``Subcategory``."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select, update

from crm.audit.services import AuditAction, record
from crm.auth.models import User
from crm.auth.permissions import Permission
from crm.errors import DomainError, PermissionDenied
from crm.extensions import db
from crm.i18n import lazy_gettext as _l
from crm.knowledge.models import KB_CATEGORIES, Article, ArticleStatus, Audience, Subcategory

NAME_MAX = 60


@dataclass
class Branch:
    """A service category with its subcategories and how many articles each holds."""

    category: str
    count: int = 0
    children: list[tuple[Subcategory, int]] = field(default_factory=list)


def tree(*, public: bool = False, include_drafts: bool = False) -> list[Branch]:
    """The tree with article counts. For the help centre (``public``) only branches holding a
    published public article; for staff every service category and subcategory."""
    statement = select(Article.category, Article.subcategory_id, func.count(Article.id))
    if not include_drafts:
        statement = statement.where(Article.status == ArticleStatus.PUBLISHED.value)
    if public:
        statement = statement.where(Article.audience == Audience.PUBLIC.value)
    counts: dict[tuple[str, int | None], int] = {
        (category, sub): n
        for category, sub, n in db.session.execute(
            statement.group_by(Article.category, Article.subcategory_id)
        )
    }
    branches = {c: Branch(c) for c in KB_CATEGORIES}
    for (category, _sub), n in counts.items():
        branches[category].count += n
    for sub in db.session.scalars(select(Subcategory).order_by(Subcategory.name)):
        n = counts.get((sub.category, sub.id), 0)
        if n or not public:
            branches[sub.category].children.append((sub, n))
    return [b for b in branches.values() if b.count or not public]


def subcategory_for(category: str, subcategory_id: int | None) -> Subcategory | None:
    """The chosen subcategory, which must hang under the chosen category.

    :raises DomainError: for one that does not exist or sits under another category."""
    if subcategory_id is None:
        return None
    sub = db.session.get(Subcategory, subcategory_id)
    if sub is None or sub.category != category:
        raise DomainError(
            _l("Choose a subcategory of the article's category."), field="subcategory"
        )
    return sub


def _checked_name(category: str, name: str, *, keep: Subcategory | None = None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise DomainError(_l("Give the subcategory a name."), field="name")
    if len(name) > NAME_MAX:
        raise DomainError(_l("The name is too long."), field="name")
    if category not in KB_CATEGORIES:
        raise DomainError(_l("Choose a category."), field="category")
    sibling = db.session.scalar(
        select(Subcategory.id).where(
            Subcategory.category == category,
            func.lower(Subcategory.name) == name.lower(),
            Subcategory.id != (keep.id if keep else -1),
        )
    )
    if sibling is not None:
        raise DomainError(_l("This category already has a subcategory of that name."), field="name")
    return name


def _require(actor: User) -> None:
    if not actor.can(Permission.KNOWLEDGE_EDIT):
        raise PermissionDenied(_l("You may not change the knowledge base."))


def add_subcategory(*, actor: User, category: str, name: str) -> Subcategory:
    """:raises DomainError: for an empty, over-long or repeated name, or an unknown category."""
    _require(actor)
    sub = Subcategory(category=category, name=_checked_name(category, name))
    db.session.add(sub)
    db.session.flush()
    _audit(actor, sub, {"category": category, "name": sub.name})
    return sub


def rename_subcategory(*, actor: User, subcategory: Subcategory, name: str) -> None:
    """:raises DomainError: as for ``add_subcategory``."""
    _require(actor)
    before = subcategory.name
    subcategory.name = _checked_name(subcategory.category, name, keep=subcategory)
    db.session.flush()
    _audit(
        actor, subcategory, {"category": subcategory.category, "name": [before, subcategory.name]}
    )


def delete_subcategory(*, actor: User, subcategory: Subcategory) -> int:
    """Remove the subcategory; its articles stay in the service category above it.

    :returns: how many articles moved up."""
    _require(actor)
    moved = db.session.execute(
        update(Article)
        .where(Article.subcategory_id == subcategory.id)
        .values(subcategory_id=None)
        .execution_options(synchronize_session="fetch")
    ).rowcount
    _audit(actor, subcategory, {"category": subcategory.category, "name": subcategory.name})
    db.session.delete(subcategory)
    db.session.flush()
    return moved


def _audit(actor: User, sub: Subcategory, details: dict[str, object]) -> None:
    record(
        action=AuditAction.KB_CATEGORY_CHANGED,
        actor=actor,
        object_type="kb_subcategory",
        object_id=sub.id,
        details=details,
    )
