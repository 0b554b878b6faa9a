"""Benchmark: e-mails taken in through parse_message + receive, as mail-ingest and the mail job
do, into a fresh SQLite database.

First MESSAGES generated mails (GB2312, GBK, GB18030 and UTF-8; a third of them replies threaded
by In-Reply-To; one in 25 with a 100 KB attachment), committed one by one: messages per second,
total seconds and peak RSS. Then mails with a 20 MB attachment each, printing the peak RSS after
each: it should not grow with their number. Figures only; asserts nothing.

    .venv/bin/python bench/mail_ingest.py --messages 500 --large 4
"""

from __future__ import annotations

import argparse
import base64
import os
import random
import resource
import sys
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade

from config import Config
from crm import create_app
from crm.channels.email_in import parsed
from crm.channels.inbound import receive
from crm.extensions import db
from tests.factories import make_customer, make_user

CHARSETS = ("utf-8", "gb2312", "gbk", "gb18030")
TEXTS = {
    "utf-8": "您好，订单 {n} 还没有到货，麻烦查一下物流。Thanks!",
    "gb2312": "您好，第 {n} 号订单的发票抬头写错了，请重新开具。",
    "gbk": "朱镕基路 {n} 号的客户反映打印机卡纸。",
    "gb18030": "扩展字𠀀：第 {n} 封来信，询问退款进度。",
}


def peak_rss_mb() -> float:
    """This process's peak resident set so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def mail(n: int, rng: random.Random, sent: list[str]) -> bytes:
    charset = CHARSETS[n % len(CHARSETS)]
    message = EmailMessage()
    message["From"] = f"客户{n % 80} <customer{n % 80}@example.cn>"
    message["To"] = "support@localhost"
    message["Message-ID"] = f"<bench.{n}@example.cn>"
    body = TEXTS[charset].format(n=n)
    if sent and n % 3 == 0:
        answered = rng.choice(sent)
        message["Subject"] = f"Re: 订单问题 {n}"
        message["In-Reply-To"] = answered
        message["References"] = answered
        body += "\n\n在 2024年1月2日，客服 写道：\n> 我们已收到您的问题"
    else:
        message["Subject"] = f"订单问题 {n}"
    message.set_content(body, charset=charset)
    if n % 25 == 0:
        message.add_attachment(
            rng.randbytes(100 * 1024), maintype="application", subtype="pdf", filename="单据.pdf"
        )
    sent.append(message["Message-ID"])
    return message.as_bytes()


def write_large_mail(n: int, path: Path) -> None:
    """A mail with a 20 MB attachment, written a chunk at a time (generating it must not raise
    the peak RSS this benchmark measures)."""
    with path.open("wb") as out:
        out.write(
            (
                f"From: big{n}@example.cn\r\nSubject: =?utf-8?B?5aSn6ZmE5Lu2?= {n}\r\n"
                f"Message-ID: <bench.large.{n}@example.cn>\r\nMIME-Version: 1.0\r\n"
                'Content-Type: multipart/mixed; boundary="big"\r\n\r\n'
                "--big\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nvideo attached\r\n"
                "--big\r\nContent-Type: video/mp4\r\nContent-Transfer-Encoding: base64\r\n"
                "Content-Disposition: attachment; filename*=utf-8''%E7%8E%B0%E5%9C%BA.mp4\r\n\r\n"
            ).encode()
        )
        for _ in range(20):
            out.write(base64.encodebytes(os.urandom(1_000_002)).replace(b"\n", b"\r\n"))
        out.write(b"\r\n--big--\r\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--large", type=int, default=4)
    args = parser.parse_args()
    rng = random.Random(23)
    with tempfile.TemporaryDirectory() as folder:
        config = Config(
            SQLALCHEMY_DATABASE_URI=f"sqlite:///{Path(folder) / 'bench.db'}",
            ATTACHMENT_DIR=str(Path(folder) / "attachments"),
            AUTO_MAILS_PER_HOUR=1000,
        )
        app = create_app(config)
        with app.app_context():
            upgrade()
            boss = make_user(username="bench", roles=["supervisor"])
            for number in range(0, 80, 2):  # half the senders are known customers
                make_customer(actor=boss, email=f"customer{number}@example.cn")
            db.session.commit()
            sent: list[str] = []
            mails = [mail(n, rng, sent) for n in range(args.messages)]
            before = peak_rss_mb()
            started = time.perf_counter()
            created = 0
            for raw in mails:
                with parsed(raw) as message:
                    created += receive(message).created
                db.session.commit()
            took = time.perf_counter() - started
            print(
                f"{args.messages} messages ({created} opened a case, the rest threaded) in "
                f"{took:.1f} s: {args.messages / took:.0f} messages/s"
            )
            print(f"peak RSS: {before:.0f} MB before, {peak_rss_mb():.0f} MB after")
            del mails
            for n in range(args.large):
                path = Path(folder) / f"large{n}.eml"
                write_large_mail(n, path)
                started = time.perf_counter()
                # Read from the file as mail-ingest reads its standard input.
                with path.open("rb") as stream, parsed(stream) as message:
                    receive(message)
                db.session.commit()
                path.unlink()
                print(
                    f"20 MB attachment #{n + 1}: {time.perf_counter() - started:.1f} s, "
                    f"peak RSS {peak_rss_mb():.0f} MB"
                )


if __name__ == "__main__":
    main()
