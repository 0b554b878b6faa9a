"""Finding articles in Chinese: any substring of title or body, pinyin and initials of titles,
synonyms, with highlighted snippets; title matches first, then the most used.

Three or more characters go through a trigram index (SQLite FTS5 ``trigram``, PostgreSQL
``pg_trgm``). Trigrams cannot serve two characters, the length of most Chinese words (退款), so
each article also keeps every pair of CJK characters of its text, indexed as words (FTS5
``unicode61`` on SQLite, a GIN array on PostgreSQL). One character, or two Latin letters, falls
back to a scan.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup, escape
from sqlalchemy import (
    ColumnElement,
    Integer,
    Text,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal_column,
    or_,
    select,
    text,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql.elements import TextClause

from crm.customers.search import pinyin_forms
from crm.extensions import db
from crm.knowledge.models import Article, ArticleStatus, Audience, SearchGap, Synonym

TRIGRAM = 3
#: a run of CJK characters
_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SPACES = re.compile(r"\s+")
#: Markdown punctuation left out of snippets
_MARKDOWN = re.compile(r"[#*_>`|\[\]]+")
#: the placeholders a reply fills in, left out of snippets (they are code, not text)
_PLACEHOLDERS = re.compile(r"\{(customer_name|case_number|agent_name)\}")
SNIPPET = 60


def search_fields(title: str, body: str) -> dict[str, str]:
    """The columns search reads for an article with this ``title`` and ``body``."""
    search_text = f"{title}\n{body}".lower()
    pairs: dict[str, None] = {}
    for run in _CJK_RUN.findall(search_text):
        pairs.update(dict.fromkeys(run[i : i + 2] for i in range(len(run) - 1)))
    return {
        "search_text": search_text,
        "search_grams": " ".join(pairs),
        "title_pinyin": " ".join(pinyin_forms(title))[:400],
    }


def normalise(query: str) -> str:
    return _SPACES.sub(" ", _CONTROL.sub("", query or "").strip().lower())[:100]


def _like(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _fts(table: str, fragment: str) -> TextClause:
    phrase = '"' + fragment.replace('"', '""') + '"'
    # ``table`` is one of two constants of this module, never input.
    statement = text(f"SELECT rowid FROM {table} WHERE {table} MATCH :phrase")  # noqa: S608
    # Unique: a query with synonyms holds several of these, each with its own phrase.
    return statement.bindparams(bindparam("phrase", phrase, unique=True)).columns(rowid=Integer)


def _is_cjk_pair(fragment: str) -> bool:
    return len(fragment) == 2 and all("\u3400" <= c <= "\u9fff" for c in fragment)


def contains(fragment: str) -> ColumnElement[bool]:
    """Articles whose title or body contains ``fragment`` (lower-cased)."""
    sqlite = db.engine.dialect.name == "sqlite"
    if len(fragment) >= TRIGRAM:
        if sqlite:
            return Article.id.in_(_fts("kb_fts", fragment))
        return Article.search_text.like(_like(fragment), escape="\\")  # pg_trgm serves it
    if _is_cjk_pair(fragment):
        if sqlite:
            return Article.id.in_(_fts("kb_fts_grams", fragment))
        pieces = func.string_to_array(
            Article.search_grams, literal_column("' '"), type_=postgresql.ARRAY(Text)
        )
        return pieces.contains(cast(postgresql.array([fragment]), postgresql.ARRAY(Text)))
    if fragment.isascii():
        # One or two Latin letters are initials or the start of a word, not worth a scan of
        # every body: titles only (their pinyin is matched beside).
        return func.lower(Article.title).like(_like(fragment), escape="\\")
    return Article.search_text.like(_like(fragment), escape="\\")


def synonyms_of(word: str) -> list[str]:
    """``word`` and every word of the synonym groups it belongs to."""
    found = [word]
    pattern = _like(word)
    groups = db.session.scalars(select(Synonym.words).where(Synonym.words.like(pattern, "\\")))
    for group in groups:
        words = group.split()
        if word in words:
            found += [w for w in words if w not in found]
    return found


@dataclass(frozen=True)
class Hit:
    article: Article
    #: the body around the first match, escaped, the matches in <mark>
    snippet: Markup
    in_title: bool


def search_articles(
    query: str, *, public: bool, limit: int = 20, log_gap: bool = True
) -> list[Hit]:
    """Published articles matching every word of ``query`` (or one of its synonyms), or whose
    title's pinyin or initials contain it; title matches first, then the most used.

    :param public: only public articles (the help centre); internal ones never appear.
    :param log_gap: record a search that found nothing as a gap (flushed; the caller commits).
    """
    needle = normalise(query)
    if not needle:
        return []
    words = [synonyms_of(word) for word in needle.split(" ")]
    matches = and_(*(or_(*(contains(w) for w in alternatives)) for alternatives in words))
    joined = needle.replace(" ", "")
    if joined.isascii() and joined.isalpha():
        matches = or_(matches, Article.title_pinyin.like(_like(joined), escape="\\"))
    in_title = and_(
        *(
            or_(*(func.lower(Article.title).like(_like(w), escape="\\") for w in alternatives))
            for alternatives in words
        )
    )
    title_first = case((or_(in_title, Article.title_pinyin.like(_like(joined))), 0), else_=1)
    # Ids only while ranking: sorting thousands of matches with their bodies costs several times
    # more than sorting their ids; the few shown are loaded afterwards.
    statement = (
        select(Article.id, title_first)
        .where(Article.status == ArticleStatus.PUBLISHED.value, matches)
        .order_by(title_first, Article.use_count.desc(), Article.id.desc())
        .limit(limit)
    )
    if public:
        statement = statement.where(Article.audience == Audience.PUBLIC.value)
    ranked = db.session.execute(statement).all()
    loaded = {
        a.id: a
        for a in db.session.scalars(select(Article).where(Article.id.in_([r[0] for r in ranked])))
    }
    rows = [(loaded[article_id], rank) for article_id, rank in ranked]
    if not rows and log_gap:
        db.session.add(SearchGap(query=" ".join(query.split())[:200], public=public))
        db.session.flush()
    terms = [w for alternatives in words for w in alternatives]
    return [Hit(article, snippet(article.body, terms), rank == 0) for article, rank in rows]


def snippet(body: str, terms: list[str]) -> Markup:
    """About 120 characters of ``body`` around the first of ``terms``, escaped, each term
    marked. Escaping comes first, so nothing the author typed becomes markup."""
    plain = _SPACES.sub(" ", _MARKDOWN.sub(" ", _PLACEHOLDERS.sub(" ", body))).strip()
    lowered = plain.lower()
    positions = [p for p in (lowered.find(t) for t in terms if t) if p >= 0]
    start = max(0, min(positions) - SNIPPET // 2) if positions else 0
    piece = plain[start : start + 2 * SNIPPET]
    wanted = sorted({t for t in terms if t}, key=len, reverse=True)
    if not wanted:
        return escape(piece)
    pattern = re.compile("|".join(re.escape(t) for t in wanted), re.IGNORECASE)
    out: list[Markup] = [Markup("…")] if start else []
    last = 0
    for match in pattern.finditer(piece):
        out.append(escape(piece[last : match.start()]))
        out.append(Markup("<mark>{}</mark>").format(match.group()))
        last = match.end()
    out.append(escape(piece[last:]))
    if start + 2 * SNIPPET < len(plain):
        out.append(Markup("…"))
    return Markup("").join(out)
