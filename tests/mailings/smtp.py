"""A real SMTP server on loopback for the tests with real workers and for the W7
benchmark: aiosmtpd in a thread, recording the Message-ID and recipients of every
message handed to it. The tests get one from the ``smtp_server`` fixture
(tests/conftest.py).

``drop_connection_at(n)`` makes it drop the connection when the n-th message has been
handed over, before it answers: the sender cannot know whether the message went out
(an *uncertain* message). Such a message is recorded in ``dropped``, not in
``accepted``; both count as handed over.
"""

import re
import socket
import threading
from collections import Counter

from aiosmtpd.controller import Controller

MESSAGE_ID = re.compile(rb"^Message-ID:[ \t]*(\S+)", re.IGNORECASE | re.MULTILINE)


def message_id_of(content: bytes) -> str:
    headers = content.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    found = MESSAGE_ID.search(headers)
    return found.group(1).decode() if found else ""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RecordingHandler:
    """aiosmtpd handler: keeps (Message-ID, recipients) of each message, thread-safe."""

    def __init__(self):
        self.lock = threading.Lock()
        self.accepted: list[tuple[str, tuple[str, ...]]] = []
        self.dropped: list[tuple[str, tuple[str, ...]]] = []
        self.handed_over = 0
        self.drop_at: set[int] = set()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        record = (message_id_of(envelope.content), tuple(envelope.rcpt_tos))
        with self.lock:
            self.handed_over += 1
            drop = self.handed_over in self.drop_at
            (self.dropped if drop else self.accepted).append(record)
        if drop:
            server.transport.abort()  # gone before the answer: the client cannot tell
            return "421 Connection dropped"
        return "250 Message accepted for delivery"


class LocalSMTPServer:
    """``with LocalSMTPServer() as smtp:`` — a server on 127.0.0.1 and a free port."""

    def __init__(self):
        self.handler = RecordingHandler()
        self.host = "127.0.0.1"
        self.port = free_port()
        self.controller = Controller(self.handler, hostname=self.host, port=self.port)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()

    @property
    def env(self) -> dict[str, str]:
        """The environment that sends a worker process's e-mail here."""
        return {
            "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": self.host,
            "EMAIL_PORT": str(self.port),
            "EMAIL_USE_TLS": "0",
            "EMAIL_HOST_USER": "",
            "EMAIL_HOST_PASSWORD": "",
        }

    def drop_connection_at(self, *numbers: int) -> None:
        """Drop the connection when the n-th message (counted from 1) is handed over."""
        with self.handler.lock:
            self.handler.drop_at.update(numbers)

    @property
    def accepted(self) -> list[tuple[str, tuple[str, ...]]]:
        with self.handler.lock:
            return list(self.handler.accepted)

    @property
    def dropped(self) -> list[tuple[str, tuple[str, ...]]]:
        with self.handler.lock:
            return list(self.handler.dropped)

    @property
    def count(self) -> int:
        with self.handler.lock:
            return len(self.handler.accepted)

    def accepted_ids(self) -> list[str]:
        return [message_id for message_id, _rcpt in self.accepted]

    def handed_over_ids(self) -> list[str]:
        """Message-IDs of every message handed over, accepted or dropped."""
        with self.handler.lock:
            return [mid for mid, _rcpt in self.handler.accepted + self.handler.dropped]

    def duplicates(self) -> dict[str, int]:
        """Message-IDs handed over more than once, with how often."""
        return {mid: n for mid, n in Counter(self.handed_over_ids()).items() if n > 1}
