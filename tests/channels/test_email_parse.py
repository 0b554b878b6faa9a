"""E-mail in: one message on the wire turned into an InboundMessage, every charset users send,
HTML made safe, quoted history set apart, robots' mail ignored; then taken in by receive()."""

from __future__ import annotations

import base64
import quopri
import tracemalloc
from email.message import EmailMessage

import pytest
from sqlalchemy import func, select

from crm.cases.models import Case
from crm.channels import email_in
from crm.channels.email_in import MessageError, parse_message, parsed
from crm.channels.inbound import receive
from crm.channels.models import CaseAttachment, CaseMessage, InboundReceipt, OutboundMail
from crm.extensions import db
from tests.channels.mails import encoded_word, raw_mail
from tests.factories import make_customer, make_user


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def take(raw: bytes):
    with parsed(raw) as message:
        received = receive(message)
    db.session.commit()
    return received


def gb2312_mail_with_attachment() -> bytes:
    """As Foxmail sends it: GB2312 everywhere, the file name as an encoded word."""
    name = encoded_word("报价单.pdf", "gb2312")
    body = base64.encodebytes("您好，订单还没有到，请帮忙查一下。\n".encode("gb2312")).decode()
    pdf = base64.encodebytes(b"%PDF-1.4 quote").decode()
    return (
        f"From: {encoded_word('张三', 'gb2312')} <ZhangSan@Example.CN>\r\n"
        "To: support@localhost\r\n"
        f"Subject: {encoded_word('订单未到货', 'gb2312')}\r\n"
        "Message-ID: <foxmail.1@example.cn>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="==b=="\r\n\r\n'
        "--==b==\r\n"
        "Content-Type: text/plain; charset=gb2312\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n"
        f"{body}\r\n"
        "--==b==\r\n"
        f'Content-Type: application/octet-stream; name="{name}"\r\n'
        f'Content-Disposition: attachment; filename="{name}"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n"
        f"{pdf}\r\n"
        "--==b==--\r\n"
    ).encode("ascii")


def test_a_gb2312_mail_opens_a_case_for_the_customer_with_its_attachment(ctx) -> None:
    boss = make_user(username="boss", roles=["supervisor"])
    customer = make_customer(actor=boss, name="张三", email="zhangsan@example.cn")
    with parsed(gb2312_mail_with_attachment()) as message:
        assert message.subject == "订单未到货"
        assert message.sender_name == "张三"
        assert message.sender_address == "zhangsan@example.cn"
        assert message.body_text == "您好，订单还没有到，请帮忙查一下。"
        assert [a.filename for a in message.attachments] == ["报价单.pdf"]
        received = receive(message)
    db.session.commit()
    case = db.session.get(Case, received.case)
    assert received.created and received.customer == customer.id == case.customer_id
    assert case.subject == "订单未到货" and case.origin == "email"
    stored = db.session.scalars(select(CaseAttachment)).one()
    assert (stored.filename, stored.size) == ("报价单.pdf", len(b"%PDF-1.4 quote"))
    assert count(OutboundMail) == 1  # the acknowledgement


@pytest.mark.parametrize(
    ("declared", "text", "encoding"),
    [
        ("gb2312", "镕基金会的报价", "gbk"),  # GBK characters labelled GB2312, as Outlook does
        ("gbk", "朱镕基的来信，𠀀字也在", "gb18030"),  # beyond GBK, labelled GBK
        ("gb18030", "扩展B区：𠀀𠀁，还有镕", "gb18030"),
        ("GB_2312-80", "简体中文", "gb2312"),
    ],
)
def test_chinese_charsets_decode_whatever_subset_they_are_labelled(
    declared: str, text: str, encoding: str
) -> None:
    raw = raw_mail(
        subject=encoded_word(text, encoding).replace(f"={encoding}?", f"={declared}?", 1),
        body=text.encode(encoding),
        content_type=f"text/plain; charset={declared}",
    )
    message = parse_message(raw)
    assert message.subject == text
    assert message.body_text == text


def test_utf8_quoted_printable() -> None:
    text = "订单号 12345：请尽快发货 — thanks ✓"
    body = quopri.encodestring(text.encode()).replace(b"\n", b"\r\n")
    raw = raw_mail(
        subject="=?utf-8?Q?=E8=AE=A2=E5=8D=95_Order?=",
        body=body,
        headers={"Content-Transfer-Encoding": "quoted-printable"},
    )
    message = parse_message(raw)
    assert message.subject == "订单 Order"
    assert message.body_text == text


@pytest.mark.parametrize(
    ("content_type", "body", "expected"),
    [
        # declared UTF-8, sent in GB18030
        ("text/plain; charset=utf-8", "你好，镕".encode("gb18030"), "你好，镕"),
        # no charset at all: US-ASCII by the standard, UTF-8 or GBK in practice
        ("text/plain", "没有声明编码".encode(), "没有声明编码"),
        ("text/plain", "没有声明编码".encode("gbk"), "没有声明编码"),
        # a charset no one knows, and one that is not a text encoding
        ("text/plain; charset=x-unknown-8", "未知".encode(), "未知"),
        ("text/plain; charset=rot13", b"plain", "plain"),
        # Latin-1 that is neither UTF-8 nor GB18030
        ("text/plain; charset=us-ascii", b"caf\xe9 cr\xe8me \xff", "café crème ÿ"),
    ],
)
def test_wrong_and_missing_declarations_are_guessed_never_crash(
    content_type: str, body: bytes, expected: str
) -> None:
    assert parse_message(raw_mail(content_type=content_type, body=body)).body_text == expected


def test_raw_8bit_headers_and_rfc2231_file_names() -> None:
    """Some programs put GBK bytes straight into headers, or name files by RFC 2231."""
    head = "Subject: 发票问题\r\nFrom: 李四 <lisi@example.cn>\r\n".encode("gbk")
    raw = head + (
        b"Message-ID: <raw8bit@example.cn>\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain; charset=gbk\r\n\r\n"
        + "请看附件".encode("gbk")
        + b"\r\n--b\r\nContent-Type: application/pdf\r\n"
        b"Content-Disposition: attachment;\r\n filename*0*=gb2312''%B7%A2%C6%B1;\r\n"
        b" filename*1=.pdf\r\n\r\nPDF\r\n"
        b"--b\r\nContent-Type: text/plain\r\n"
        + 'Content-Disposition: attachment; filename="明细镕.txt"\r\n\r\n'.encode("gbk")
        + b"rows\r\n--b--\r\n"
    )
    with parsed(raw) as message:
        assert (message.subject, message.sender_name) == ("发票问题", "李四")
        assert message.body_text == "请看附件"
        assert [a.filename for a in message.attachments] == ["发票.pdf", "明细镕.txt"]
        assert [a.stream.read() for a in message.attachments] == [b"PDF", b"rows"]


def test_html_only_mail_is_sanitised_and_has_a_text_fallback() -> None:
    html = (
        "<html><head><style>body{display:none}</style></head><body>"
        "<p onclick='steal()'>您好，<b>发票</b>开错了</p>"
        "<img src=x onerror=alert(1)><script>alert(document.cookie)</script>"
        "<a href='javascript:alert(1)'>点这里</a> <a href='https://example.cn/a'>链接</a>"
        "<iframe src='https://evil.example'></iframe></body></html>"
    )
    message = parse_message(raw_mail(content_type="text/html; charset=utf-8", body=html.encode()))
    safe = message.body_html
    for hostile in ("<script", "onerror", "onclick", "javascript:", "<iframe", "<img", "<style"):
        assert hostile not in safe
    assert "<b>发票</b>" in safe and 'href="https://example.cn/a"' in safe
    assert message.body_text.splitlines()[0] == "您好，发票开错了"
    assert "alert" not in message.body_text and "display" not in message.body_text


def test_the_text_part_is_the_text_when_both_are_sent() -> None:
    mail = EmailMessage()
    mail["From"] = "a@example.cn"
    mail["Subject"] = "both"
    mail.set_content("纯文本版本")
    mail.add_alternative("<p>HTML 版本</p>", subtype="html")
    message = parse_message(mail.as_bytes())
    assert message.body_text == "纯文本版本"
    assert message.body_html.strip() == "<p>HTML 版本</p>"


@pytest.mark.parametrize(
    ("body", "new", "quoted_first_line"),
    [
        (
            "好的，谢谢！\n\n在 2024年1月2日 10:00，客服 <support@localhost> 写道：\n"
            "> 您的订单已发货\n",
            "好的，谢谢！",
            "在 2024年1月2日 10:00，客服 <support@localhost> 写道：",
        ),
        (
            "收到\n\n------------------ 原始邮件 ------------------\n发件人: 客服\n主题: 发货\n",
            "收到",
            "------------------ 原始邮件 ------------------",
        ),
        (
            "Thanks, that works.\n\nOn Tue, 2 Jan 2024 at 10:00, Support <support@localhost>\n"
            "wrote:\n> Please restart it.\n",
            "Thanks, that works.",
            "On Tue, 2 Jan 2024 at 10:00, Support <support@localhost>",
        ),
        (
            "See below.\n\n-----Original Message-----\nFrom: Support\nSent: Tuesday\n",
            "See below.",
            "-----Original Message-----",
        ),
        (
            "已处理\n\n________________________________\n发件人: 客服中心\n发送时间: 2024年1月2日\n"
            "收件人: 张三\n主题: 回复\n",
            "已处理",
            "________________________________",
        ),
        ("Yes please.\n\n> Shall we call you?\n> Regards\n", "Yes please.", "> Shall we call you?"),
    ],
)
def test_quoted_history_is_set_apart(body: str, new: str, quoted_first_line: str) -> None:
    message = parse_message(raw_mail(body=body.encode()))
    assert message.body_text == new
    assert message.quoted_text.splitlines()[0] == quoted_first_line


def test_an_inline_answer_and_a_mail_that_is_all_quote_keep_their_text() -> None:
    inline = "> Which model?\nThe X200.\n> Since when?\nMonday."
    assert parse_message(raw_mail(body=inline.encode())).body_text == inline
    only_quote = parse_message(raw_mail(body=b"> forwarded words\n"))
    assert (only_quote.body_text, only_quote.quoted_text) == ("> forwarded words", None)


def test_threading_headers_and_a_missing_message_id() -> None:
    raw = raw_mail(
        headers={"In-Reply-To": "<c@x>", "References": "<a@x>\r\n <b@x> <c@x>"},
    )
    assert parse_message(raw).replied_ids == ["<c@x>", "<b@x>", "<a@x>"]
    without = raw_mail(message_id=None)
    first, again = parse_message(without), parse_message(without)
    assert first.external_id == again.external_id
    assert first.external_id.startswith("<sha256.") and len(first.external_id) < 255
    assert parse_message(raw_mail(message_id=None, subject="other")).external_id != (
        first.external_id
    )


def test_the_sender_is_from_in_lower_case_whatever_reply_to_says() -> None:
    name = encoded_word("王, 五", "utf-8")
    raw = raw_mail(sender=f"{name} <Wang.Wu@Example.CN>", headers={"Reply-To": "x@evil.example"})
    message = parse_message(raw)
    assert (message.sender_name, message.sender_address) == ("王, 五", "wang.wu@example.cn")
    assert parse_message(raw_mail(sender="undisclosed-recipients:;")).sender_address is None


IGNORED = [
    ({"Auto-Submitted": "auto-replied"}, "Li Lei <lilei@example.cn>", "auto-reply"),
    ({"Auto-Submitted": "auto-generated; owner-email=x@y"}, "a@example.cn", "auto-reply"),
    ({"X-Autoreply": "yes"}, "a@example.cn", "auto-reply"),
    ({"X-Autorespond": "Out of office"}, "a@example.cn", "auto-reply"),
    ({"X-Auto-Response-Suppress": "All"}, "a@example.cn", "auto-reply"),
    ({"Precedence": "auto_reply"}, "a@example.cn", "auto-reply"),
    ({"Precedence": "bulk"}, "a@example.cn", "list"),
    ({"Precedence": "junk"}, "a@example.cn", "list"),
    ({"List-Id": "<news.example.cn>"}, "a@example.cn", "list"),
    ({"List-Unsubscribe": "<mailto:u@example.cn>"}, "a@example.cn", "list"),
    ({}, "Mail Delivery System <MAILER-DAEMON@mx.example.cn>", "bounce"),
    ({}, "postmaster@example.cn", "bounce"),
    ({}, "Support <SUPPORT@localhost>", "own address"),
]


@pytest.mark.parametrize(("headers", "sender", "reason"), IGNORED)
def test_robots_lists_bounces_and_ourselves_open_nothing_and_get_no_answer(
    ctx, headers: dict[str, str], sender: str, reason: str
) -> None:
    assert parse_message(raw_mail(sender=sender, headers=headers)).ignored == reason
    received = take(raw_mail(sender=sender, headers=headers))
    assert (received.case, received.created, received.ignored) == (None, False, reason)
    assert count(Case) == count(CaseMessage) == count(OutboundMail) == 0
    assert db.session.scalars(select(InboundReceipt)).one().ignored == reason


def test_a_delivery_report_is_a_bounce_and_auto_submitted_no_is_a_person(ctx) -> None:
    report = raw_mail(
        sender="mx@example.cn",
        content_type='multipart/report; report-type=delivery-status; boundary="r"',
        body=b"--r\r\nContent-Type: text/plain\r\n\r\nUndeliverable\r\n--r\r\n"
        b"Content-Type: message/delivery-status\r\n\r\nAction: failed\r\n\r\n--r--\r\n",
    )
    assert parse_message(report).ignored == "bounce"
    assert parse_message(raw_mail(headers={"Auto-Submitted": "no"})).ignored is None


def test_the_same_message_twice_is_one_entry(ctx) -> None:
    raw = gb2312_mail_with_attachment()
    first = take(raw)
    again = take(raw)
    assert first.created and not again.created
    assert again.case == first.case
    assert count(Case) == count(CaseMessage) == count(CaseAttachment) == count(OutboundMail) == 1


def test_an_answer_to_the_acknowledgement_lands_in_the_same_case(ctx) -> None:
    opened = take(raw_mail(subject="打印机坏了"))
    acknowledgement = db.session.scalars(select(OutboundMail)).one()
    answer = raw_mail(
        subject=f"Re: {acknowledgement.subject}",
        body="型号是 X200\n\n在 2024年1月2日，客服 写道：\n> 我们已收到\n".encode(),
        headers={"In-Reply-To": acknowledgement.message_id},
    )
    threaded = take(answer)
    assert (threaded.case, threaded.created) == (opened.case, False)
    messages = db.session.scalars(select(CaseMessage).order_by(CaseMessage.id)).all()
    assert [m.case_id for m in messages] == [opened.case, opened.case]
    assert (messages[1].body_text, messages[1].quoted_text) == (
        "型号是 X200",
        "在 2024年1月2日，客服 写道：\n> 我们已收到",
    )
    assert count(Case) == 1 and count(OutboundMail) == 1  # no second acknowledgement


def test_the_case_number_in_the_subject_threads_only_for_the_requester(ctx) -> None:
    opened = take(raw_mail(subject="发票"))
    same = take(raw_mail(subject=f"Re: [#{opened.case}] 发票"))
    stranger = take(raw_mail(sender="x@other.example", subject=f"[#{opened.case}] 发票"))
    assert (same.case, same.created) == (opened.case, False)
    assert stranger.created and stranger.case != opened.case
    assert db.session.get(Case, stranger.case).requester_email == "x@other.example"


def test_a_forwarded_message_and_a_refused_file_type_are_kept(ctx) -> None:
    mail = EmailMessage()
    mail["From"] = "a@example.cn"
    mail["Subject"] = "转发"
    mail.set_content("见附件")
    inner = EmailMessage()
    inner["From"] = "b@example.cn"
    inner["Subject"] = "原来的信"
    inner.set_content("原来的正文")
    mail.add_attachment(inner)
    mail.add_attachment(b"MZ\x90", maintype="application", subtype="octet-stream", filename="x.exe")
    with parsed(mail.as_bytes()) as message:
        assert message.body_text == "见附件"
        assert [a.filename for a in message.attachments] == ["message.eml", "x.exe"]
        received = receive(message)
    db.session.commit()
    entry = db.session.scalars(select(CaseMessage)).one()
    assert entry.case_id == received.case
    assert "x.exe" in entry.body_text and "见附件" in entry.body_text  # the refusal, said
    stored = db.session.scalars(select(CaseAttachment)).one()
    assert stored.filename == "message.eml" and stored.size > 0


@pytest.mark.parametrize(
    "raw",
    [b"", b"just some words, no header\n", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"],
)
def test_what_is_not_a_message_is_refused_clearly(raw: bytes) -> None:
    with pytest.raises(MessageError):
        parse_message(raw)


def test_a_message_over_the_size_limit_is_refused(monkeypatch) -> None:
    monkeypatch.setattr(email_in, "MESSAGE_MAX_BYTES", 10_000)
    with pytest.raises(MessageError, match="larger than"):
        parse_message(raw_mail(body=b"x" * 20_000))


def test_broken_base64_and_a_truncated_message_still_parse() -> None:
    raw = raw_mail(
        content_type='multipart/mixed; boundary="b"',
        body=b"--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b\r\n"
        b"Content-Type: application/pdf\r\nContent-Disposition: attachment; filename=a.pdf\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0x!!!LjQ\r\n",  # no closing boundary
    )
    with parsed(raw) as message:
        assert message.body_text == "hi"
        assert message.attachments[0].stream.read().startswith(b"%PDF-1")


def test_a_large_attachment_is_spooled_to_disk_and_never_decoded_whole_in_memory() -> None:
    payload = bytes(range(256)) * (8 * 1024 * 4)  # 8 MB
    mail = EmailMessage()
    mail["From"] = "a@example.cn"
    mail["Subject"] = "big"
    mail.set_content("see file")
    mail.add_attachment(payload, maintype="application", subtype="zip", filename="big.zip")
    raw = mail.as_bytes()
    tracemalloc.start()
    message = parse_message(raw)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    with message.attachments[0].stream as stream:
        assert stream._rolled  # on disk, not in memory
        assert stream.read() == payload
    # The encoded text and the parser's lines, never the decoded file on top of them.
    assert peak < 3 * len(raw), peak


def test_parts_nested_thousands_deep_are_refused_not_a_crash() -> None:
    head = "".join(
        f'Content-Type: multipart/mixed; boundary="b{n}"\n\n--b{n}\n' for n in range(1500)
    )
    raw = f"From: a@example.cn\nSubject: nest\n{head}Content-Type: text/plain\n\nhi\n".encode()
    with pytest.raises(MessageError, match="nested too deeply"):
        parse_message(raw)
