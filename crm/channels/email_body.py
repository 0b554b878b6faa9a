"""The body of an inbound e-mail: its HTML made safe, its text, and the new part told from the
quoted history below it.

This is the one place e-mail HTML is sanitised (ARCHITECTURE.md §15): what leaves
``sanitise_html`` may be shown as markup on the case page; nothing else from a mail may.
"""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

import nh3

#: no images: a remote one tells the sender when an agent opened the mail, and inline ones
#: (``cid:``) are kept as attachments anyway
ALLOWED_TAGS = nh3.ALLOWED_TAGS - {"img"}
#: links only to the web and to mail addresses (no javascript:, data: or file:)
URL_SCHEMES = {"http", "https", "mailto"}
BLOCKS = {
    "p",
    "div",
    "br",
    "tr",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "pre",
    "table",
    "ul",
    "ol",
    "hr",
}


def sanitise_html(html: str) -> str:
    """The HTML with everything that could run, load or restyle the page removed."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style", "head", "title"}:
            self._skip += 1
        elif tag in BLOCKS:
            self.chunks.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style", "head", "title"}:
            self._skip = max(0, self._skip - 1)
        elif tag in BLOCKS:
            self.chunks.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.chunks.append(re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    """The readable text of an HTML body, a line per block, for mails that sent no text part."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    lines = [line.strip() for line in unescape("".join(parser.chunks)).splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


ATTRIBUTION = [
    # -----Original Message----- / -----原始邮件----- / QQ Mail's "------ 原始邮件 ------"
    re.compile(r"^\s*-{2,}\s*(original message|原始邮件|原邮件|转发邮件)\s*-{2,}\s*$", re.I),
    # 在 2024年1月2日 10:00，张三 <a@b.cn> 写道： / 张三 <a@b.cn> 于2024年1月2日周二 写道：
    re.compile(r"写道\s*[:：]\s*$"),
    # On Tue, 2 Jan 2024 at 10:00, Zhang San <a@b.cn> wrote:
    re.compile(r"^\s*On\b.*\bwrote\s*:\s*$", re.I),
]
#: Outlook's header block of the mail answered: "From:" followed by Sent/To/Subject lines
OUTLOOK_FROM = re.compile(r"^\s*\**\s*(from|发件人)\s*\**\s*[:：]", re.I)
OUTLOOK_FIELD = re.compile(
    r"^\s*\**\s*(sent|date|to|cc|subject|发送时间|时间|日期|收件人|抄送|主题)\s*\**\s*[:：]", re.I
)
RULE = re.compile(r"^\s*[_—-]{8,}\s*$")


def _quote_start(lines: list[str]) -> int | None:
    for index, line in enumerate(lines):
        if any(pattern.search(line) for pattern in ATTRIBUTION):
            return index
        # "On ... <a@b.cn>" with "wrote:" wrapped onto the next line
        if (
            re.match(r"^\s*On\b", line)
            and index + 1 < len(lines)
            and re.match(r"^\s*\S*\s*wrote\s*:\s*$", lines[index + 1], re.I)
        ):
            return index
        if OUTLOOK_FROM.match(line) and any(
            OUTLOOK_FIELD.match(following) for following in lines[index + 1 : index + 5]
        ):
            return index - 1 if index and RULE.match(lines[index - 1]) else index
    # No attribution: a block of "> " lines that runs to the end (quotes between the writer's
    # own lines are an inline answer and stay).
    start = None
    for index in range(len(lines) - 1, -1, -1):
        stripped = lines[index].strip()
        if stripped.startswith(">"):
            start = index
        elif stripped:
            break
    return start


def split_quoted(text: str) -> tuple[str, str | None]:
    """The new part of a mail's text and the quoted history below it (None when there is
    none). A mail that is all quote keeps its text whole: nothing the customer sent is hidden
    behind "show quoted"."""
    lines = text.splitlines()
    start = _quote_start(lines)
    if start is None:
        return text.strip(), None
    new = "\n".join(lines[:start]).strip()
    quoted = "\n".join(lines[start:]).strip()
    if not new:
        return text.strip(), None
    return new, quoted or None
