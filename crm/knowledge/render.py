"""Markdown to safe HTML: the one place article text becomes markup.

markdown-it-py parses (CommonMark, raw HTML off so typed tags stay text); nh3 then keeps only
the tags and attributes below and links with http, https or mailto: whatever the parser lets
through, no script, no event handler and no ``javascript:`` link reaches a page.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "s", "del", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}

_parser = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
_parser.enable("strikethrough")


def render_markdown(text: str) -> Markup:
    """``text`` (Markdown typed by a user) as sanitised HTML, safe to put in a page."""
    html = _parser.render(text or "")
    clean = nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)  # noqa: S704 - sanitised by nh3 just above, the one place
