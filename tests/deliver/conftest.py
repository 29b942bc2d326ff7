"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, and settings that
send to it."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from upwell.config import Settings
from upwell.store.db import Store


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        msg = email.message_from_bytes(self.data, policy=default)
        assert isinstance(msg, EmailMessage)
        return msg


@dataclass
class Sink:
    """What the loopback SMTP server received, in order."""

    host: str
    port: int
    received: list[Received] = field(default_factory=list)

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:  # noqa: N802
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                      bytes(envelope.content)))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[Sink]:
    """An aiosmtpd server on 127.0.0.1 for one test."""
    sink = Sink("127.0.0.1", _free_port())
    controller = Controller(sink, hostname=sink.host, port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


def mail_settings(store: Store, home: Path, sink: Sink, **extra: Any) -> Settings:
    """Settings on ``store`` that send plain SMTP to the loopback sink."""
    return Settings(home=home, database_url=store.engine.url.render_as_string(
        hide_password=False), web_secret_key="test-secret-" + "x" * 20, smtp_host=sink.host,
        smtp_port=sink.port, smtp_security="plain", public_url="https://upwell.example",
        mail_from="Upwell <upwell@upwell.example>",
        mail_unsubscribe="unsubscribe@upwell.example", **extra)
