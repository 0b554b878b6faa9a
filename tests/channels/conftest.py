"""Real mail servers on loopback for the channel tests (no mocks of IMAP or SMTP):

- ``dovecot`` (session): a throwaway Dovecot IMAP server (``tests/channels/dovecot.py``);
- ``imap_mailbox``: a fresh, empty folder of it per test, with ``append(raw)``, ``flags()``
  and ``config`` (the IMAP_* settings pointing at it, for ``app_with(**imap_mailbox.config)``);
- ``smtp_sink``: an aiosmtpd server that keeps what it receives, with ``messages`` (parsed),
  ``wait_for(count)`` and ``config`` (the SMTP_* settings).
"""

from __future__ import annotations

import email
import email.policy
import itertools
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from tests.channels.dovecot import Dovecot, free_port

_folders = itertools.count(1)


@pytest.fixture(scope="session")
def dovecot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dovecot]:
    """One Dovecot for the whole run (it takes about a second to start). Missing Dovecot fails
    the tests that use it: ``make test`` installs it."""
    if os.geteuid() == 0:
        # pytest's folders are private to root; Dovecot's unprivileged processes must enter it.
        root = Path(tempfile.mkdtemp(prefix="crm-dovecot-"))
        root.chmod(0o755)
    else:
        root = tmp_path_factory.mktemp("dovecot")
    server = Dovecot(root)
    try:
        server.start()
    except RuntimeError as error:
        server.remove()
        pytest.fail(str(error), pytrace=False)
    yield server
    server.stop()
    server.remove()


@dataclass
class Mailbox:
    server: Dovecot
    folder: str

    @property
    def config(self) -> dict[str, object]:
        """The settings that make the app read this folder."""
        return {
            "IMAP_HOST": self.server.host,
            "IMAP_PORT": self.server.port,
            "IMAP_USER": self.server.user,
            "IMAP_PASSWORD": self.server.password,
            "IMAP_TLS": False,
            "IMAP_FOLDER": self.folder,
        }

    def append(self, raw: bytes | EmailMessage) -> None:
        """Deliver a message into the folder, as the mail server would."""
        data = raw.as_bytes() if isinstance(raw, EmailMessage) else raw
        with self.server.client() as client:
            client.append(self.folder, data)

    def flags(self) -> list[set[str]]:
        """Each message's flags and keywords, in the folder's order."""
        with self.server.client() as client:
            client.select_folder(self.folder, readonly=True)
            uids = client.search()
            fetched = client.fetch(uids, ["FLAGS"]) if uids else {}
        return [
            {flag.decode() for flag in fetched[uid][b"FLAGS"]} - {"\\Recent"}
            for uid in sorted(fetched)
        ]


@pytest.fixture
def imap_mailbox(dovecot: Dovecot) -> Iterator[Mailbox]:
    """A new empty folder of the session's Dovecot: tests never see each other's mail."""
    folder = f"test{os.getpid()}x{next(_folders)}"
    with dovecot.client() as client:
        client.create_folder(folder)
    yield Mailbox(dovecot, folder)
    with dovecot.client() as client:
        client.delete_folder(folder)


@dataclass
class SmtpSink:
    host: str
    port: int
    #: (envelope recipients, parsed message), in the order received
    received: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def config(self) -> dict[str, object]:
        """The settings that make the app send here (``app_with(**smtp_sink.config)``)."""
        return {"SMTP_HOST": self.host, "SMTP_PORT": self.port, "SMTP_STARTTLS": False}

    @property
    def messages(self) -> list[EmailMessage]:
        with self._lock:
            return [message for _, message in self.received]

    def wait_for(self, count: int, timeout: float = 10) -> list[EmailMessage]:
        """The messages once at least ``count`` arrived; fails after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count:
            if time.monotonic() > deadline:
                pytest.fail(f"the SMTP sink received {len(self.messages)} of {count} messages")
            time.sleep(0.05)
        return self.messages

    async def handle_DATA(self, _server, _session, envelope) -> str:  # noqa: N802 - aiosmtpd's name
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self._lock:
            self.received.append((list(envelope.rcpt_tos), message))  # type: ignore[arg-type]
        return "250 OK"


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    """An SMTP server on loopback that accepts everything and keeps it, for the test only."""
    sink = SmtpSink("127.0.0.1", free_port())
    controller = Controller(sink, hostname=sink.host, port=sink.port)
    controller.start()
    yield sink
    controller.stop()
