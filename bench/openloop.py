"""An open-loop load driver for `bench/capacity.py`: requests start on a schedule (a Poisson
process), never waiting for earlier answers, so a slow server meets more work, not less, and
each latency is counted from the moment the request was due (no coordinated omission).

Plain asyncio over HTTP/1.1 keep-alive connections: no dependency, and cheap enough (about
0.2 ms of CPU a request) to share a 2-core machine with the server it measures.
"""

from __future__ import annotations

import asyncio
import random
import re
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field

TIMEOUT = 10.0
#: an idle connection older than this is not reused: gunicorn closes them after 5 s (keepalive)
IDLE_SECONDS = 4.0
_TOKEN = re.compile(rb'name="csrf-token" content="([^"]+)"')


class HttpError(Exception):
    pass


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


class Client:
    """Keep-alive connections to one server, at most ``limit`` at a time (as nginx keeps a
    bounded pool of upstream connections); a request finding none free waits for one."""

    def __init__(self, host: str, port: int, limit: int) -> None:
        self.host, self.port = host, port
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter, float]] = []
        self._slots = asyncio.Semaphore(limit)

    async def request(
        self, method: str, path: str, cookie: str = "", body: bytes = b"", kind: str = ""
    ) -> Response:
        async with self._slots:
            reused = self._take()
            if reused is not None:
                try:
                    return await self._send(reused, method, path, cookie, body, kind)
                except (OSError, asyncio.IncompleteReadError):
                    # The server closed it meanwhile (keepalive ran out, a worker was
                    # recycled) before reading the request: send it again on a new one, as
                    # browsers do.
                    pass
            connection = await asyncio.open_connection(self.host, self.port)
            return await self._send(connection, method, path, cookie, body, kind)

    def _take(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        now = time.monotonic()
        while self._idle:
            reader, writer, since = self._idle.pop()
            if now - since < IDLE_SECONDS:
                return reader, writer
            writer.close()
        return None

    async def _send(
        self,
        connection: tuple[asyncio.StreamReader, asyncio.StreamWriter],
        method: str,
        path: str,
        cookie: str,
        body: bytes,
        kind: str,
    ) -> Response:
        reader, writer = connection
        head = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        if cookie:
            head.append(f"Cookie: {cookie}")
        if kind:
            head.append(f"X-Bench-Kind: {kind}")
        if method == "POST":
            head += ["Content-Type: application/x-www-form-urlencoded",
                     f"Content-Length: {len(body)}"]  # fmt: skip
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        try:
            response, keep = await _read(reader)
        except BaseException:
            writer.close()
            raise
        if keep:
            self._idle.append((reader, writer, time.monotonic()))
        else:
            writer.close()
        return response

    def close(self) -> None:
        for _reader, writer, _since in self._idle:
            writer.close()
        self._idle.clear()


async def _read(reader: asyncio.StreamReader) -> tuple[Response, bool]:
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    status = int(head[0].split()[1])
    headers = [
        (name.strip().lower(), value.strip())
        for name, _, value in (line.partition(":") for line in head[1:] if line)
    ]
    fields = dict(headers)
    if "content-length" in fields:
        body = await reader.readexactly(int(fields["content-length"]))
    elif fields.get("transfer-encoding") == "chunked":
        parts = []
        while size := int((await reader.readline()).split(b";")[0], 16):
            parts.append(await reader.readexactly(size))
            await reader.readline()
        await reader.readline()
        body = b"".join(parts)
    else:
        body = await reader.read()
        return Response(status, headers, body), False
    return Response(status, headers, body), fields.get("connection") != "close"


@dataclass
class Session:
    """One signed-in browser: its cookies and the CSRF token its forms carry."""

    username: str
    cookies: dict[str, str] = field(default_factory=dict)
    token: str = ""

    @property
    def cookie(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def keep(self, response: Response) -> None:
        for name, value in response.headers:
            if name == "set-cookie":
                pair = value.split(";", 1)[0]
                key, _, val = pair.partition("=")
                self.cookies[key] = val


async def sign_in(client: Client, username: str, password: str) -> Session:
    """The real sign-in form: the page (cookie and token), the POST, then a page for the token
    of the new session (signing in starts a fresh one)."""
    session = Session(username)
    page = await client.request("GET", "/login")
    session.keep(page)
    token = _TOKEN.search(page.body).group(1).decode()
    form = urllib.parse.urlencode(
        {"username": username, "password": password, "csrf_token": token}
    ).encode()
    answer = await client.request("POST", "/login", session.cookie, form)
    if answer.status != 302:
        raise HttpError(f"sign-in of {username}: HTTP {answer.status}")
    session.keep(answer)
    home = await client.request("GET", "/", session.cookie)
    session.keep(home)
    session.token = _TOKEN.search(home.body).group(1).decode()
    return session


@dataclass
class Outcome:
    kind: str
    due: float
    latency: float
    ok: bool
    detail: str = ""


#: an action: (kind, method, path, body) for a session, chosen by the caller's mix
Action = tuple[str, str, str, bytes]


async def offer(
    client: Client,
    choose: Callable[[random.Random], tuple[Session, Action]],
    rate: float,
    seconds: float,
    rng: random.Random,
) -> list[Outcome]:
    """Start requests at ``rate`` per second (exponential gaps) for ``seconds``, each the
    action ``choose`` picks for the session it picks; every outcome once all have answered or
    timed out."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    due = started
    outcomes: list[Outcome] = []
    running: set[asyncio.Task] = set()

    async def one(session: Session, action: Action, at: float) -> None:
        kind, method, path, body = action
        try:
            response = await asyncio.wait_for(
                client.request(method, path, session.cookie, body, kind), TIMEOUT
            )
            session.keep(response)
            ok = response.status < 400
            detail = "" if ok else f"HTTP {response.status}"
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as error:
            ok, detail = False, type(error).__name__
        outcomes.append(Outcome(kind, at - started, loop.time() - at, ok, detail))

    while True:
        due += rng.expovariate(rate)
        if due >= started + seconds:
            break
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        session, action = choose(rng)
        task = asyncio.create_task(one(session, action, due))
        running.add(task)
        task.add_done_callback(running.discard)
    if running:
        await asyncio.wait(running, timeout=TIMEOUT + 5)
    return outcomes


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]
