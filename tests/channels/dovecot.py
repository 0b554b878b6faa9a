"""A throwaway Dovecot IMAP server on loopback for the mail tests: its own configuration,
one user with a plain password, maildirs under its folder, no TLS (loopback only), logging to
a file that a failure to start prints.

Run as an ordinary user, every Dovecot process runs as that user. Run as root (a container),
Dovecot will not run its login processes as root, so they run as Debian's ``dovenull`` and the
mail as ``dovecot``, and the folder is made readable for them.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import socket
import subprocess
import time
from pathlib import Path

from imapclient import IMAPClient

DOVECOT = "/usr/sbin/dovecot"
USER = "crm"
PASSWORD = "imap-test-password"

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal_user}
default_internal_group = {internal_group}
default_login_user = {login_user}
first_valid_uid = 1
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/passwd
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Dovecot:
    """One server; ``start()`` returns once it answers IMAP, ``stop()`` ends it."""

    host = "127.0.0.1"
    user = USER
    password = PASSWORD

    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = free_port()
        self.log = root / "dovecot.log"

    def _write_config(self) -> None:
        if os.geteuid() == 0:
            internal, login = pwd.getpwnam("dovecot"), "dovenull"
        else:
            internal, login = pwd.getpwuid(os.getuid()), pwd.getpwuid(os.getuid()).pw_name
        group = grp.getgrgid(internal.pw_gid).gr_name
        (self.root / "mail").mkdir(parents=True, exist_ok=True)
        os.chown(self.root / "mail", internal.pw_uid, internal.pw_gid)
        (self.root / "passwd").write_text(
            f"{USER}:{{PLAIN}}{PASSWORD}:{internal.pw_uid}:{internal.pw_gid}::"
            f"{self.root}/mail/{USER}::\n"
        )
        (self.root / "dovecot.conf").write_text(
            CONFIG.format(
                root=self.root,
                port=self.port,
                internal_user=internal.pw_name,
                internal_group=group,
                login_user=login,
            )
        )

    def start(self, timeout: float = 20) -> None:
        if not Path(DOVECOT).exists():
            raise RuntimeError(
                f"{DOVECOT} is missing: `make test` installs it with apt (package dovecot-imapd)"
            )
        self._write_config()
        # Output to a file, not a pipe: the daemon's children inherit it and would keep a pipe
        # open for as long as they run.
        errors = self.root / "start.err"
        with errors.open("wb") as sink:
            started = subprocess.run(  # noqa: S603 - Debian's dovecot with our test config
                [DOVECOT, "-c", str(self.root / "dovecot.conf")],
                stdout=sink,
                stderr=sink,
                stdin=subprocess.DEVNULL,
                check=False,
            )
        if started.returncode != 0:
            raise RuntimeError(
                f"Dovecot did not start: {errors.read_text(errors='replace')}{self._log_text()}"
            )
        deadline = time.monotonic() + timeout
        while True:
            try:
                with self.client():
                    return
            except Exception as error:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(
                        f"Dovecot did not answer on port {self.port}: {error}\n{self._log_text()}"
                    ) from error
                time.sleep(0.1)

    def stop(self) -> None:
        pid_file = self.root / "run" / "master.pid"
        if not pid_file.exists():
            return
        subprocess.run(  # noqa: S603 - our own server
            [DOVECOT, "-c", str(self.root / "dovecot.conf"), "stop"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        deadline = time.monotonic() + 10
        while pid_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)

    def client(self) -> IMAPClient:
        """A signed-in connection (a context manager that logs out)."""
        client = IMAPClient(self.host, port=self.port, ssl=False, timeout=10)
        client.login(self.user, self.password)
        return client

    def _log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else "(no log)"

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
