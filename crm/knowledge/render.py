"""Markdown to safe HTML: the one place article text becomes markup.

markdown-it-py parses (CommonMark, raw HTML off so typed tags stay text); nh3 then keeps only
the tags and attributes below and links with http, https or mailto: whatever the parser lets
through, no script, no event handler and no ``javascript:`` link reaches a page.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "s", "del", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}

#: ``{customer_name}`` and the like: survive rendering untouched (braces and an inner underscore
#: are not Markdown), so they are filled in the HTML
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")

_parser = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
_parser.enable("strikethrough")


def sanitise(html: str) -> str:
    """``html`` with only the tags, attributes and link schemes above left."""
    return nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )


def render_markdown(text: str) -> Markup:
    """``text`` (Markdown typed by a user) as sanitised HTML, safe to put in a page."""
    return Markup(sanitise(_parser.render(text or "")))  # noqa: S704 - sanitised just now


def render_filled(text: str, values: Mapping[str, str]) -> Markup:
    """``text`` rendered like :func:`render_markdown`, then its placeholders filled with
    ``values`` escaped: a customer named ``**x**`` or ``[x](javascript:...)`` reads as those
    characters, never as Markdown or markup. One pass, so a value that looks like a placeholder
    stays as typed; placeholders without a value are left for the agent to see. The filled HTML
    is sanitised again: a placeholder the author put in a link's address or title must not let
    the customer's value decide where the link goes."""
    html = str(render_markdown(text))

    def fill(match: re.Match[str]) -> str:
        value = values.get(match.group(1))
        return match.group(0) if value is None else str(escape(value))

    return Markup(sanitise(_PLACEHOLDER.sub(fill, html)))  # noqa: S704 - sanitised just now
