"""Sending one message over SMTP, as the settings say (STARTTLS, implicit TLS or plain).

Reads: settings. Writes: nothing stored. Errors are coded and content-free (no address, no
subject): :class:`~upwell.errors.DeliveryError`.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from upwell.config import Settings
from upwell.errors import DeliveryError


def send(settings: Settings, msg: EmailMessage) -> None:
    """Hand ``msg`` to the configured SMTP server (its To header is the only recipient)."""
    if not settings.smtp_host:
        raise DeliveryError("no SMTP server configured: set UPWELL_SMTP_HOST", code="E601")
    context = ssl.create_default_context()
    try:
        smtp: smtplib.SMTP
        if settings.smtp_security == "ssl":
            smtp = smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port,
                                    timeout=settings.smtp_timeout_s, context=context)
        else:
            smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port,
                                timeout=settings.smtp_timeout_s)
        with smtp:
            if settings.smtp_security == "starttls":
                smtp.starttls(context=context)
            if settings.smtp_username:
                password = settings.smtp_password.get_secret_value() \
                    if settings.smtp_password else ""
                smtp.login(settings.smtp_username, password)
            smtp.send_message(msg)
    except smtplib.SMTPException as exc:
        raise DeliveryError(f"the SMTP server refused the message ({type(exc).__name__}): "
                            "check the SMTP settings and the server's log",
                            code="E602") from None
    except OSError as exc:
        raise DeliveryError(f"the SMTP server could not be reached ({type(exc).__name__}): "
                            "check UPWELL_SMTP_HOST and UPWELL_SMTP_PORT", code="E603") from None
