"""Calling a provider's API: bearer auth from the member's grant, refresh on 401, and retries.

A 429 or a 5xx (or a network error) is retried up to ``Settings.sync_retries`` times, waiting
the provider's ``Retry-After`` when it gives one and otherwise an exponential backoff with full
jitter (a random delay up to ``sync_backoff_s * 2**attempt``, at most 60 s). Nothing here logs
a URL, a token or a response body.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

import httpx

from upwell.errors import ConnectorError, ReconnectNeeded
from upwell.sources.connectors.oauth import Grant

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
#: Google answers some rate limits with 403 and one of these reasons in the error body.
RATE_LIMIT_REASONS = ("rateLimitExceeded", "userRateLimitExceeded")
MAX_BACKOFF_S = 60.0
#: The longest Retry-After honoured; a provider asking for more ends this sync instead.
MAX_RETRY_AFTER_S = 600.0


def retry_after(response: httpx.Response) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds form), if usable."""
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if 0 <= seconds <= MAX_RETRY_AFTER_S else None


class Api:
    """One sync's HTTP calls to one provider."""

    def __init__(self, http: httpx.Client, grant: Grant | None, *, retries: int = 6,
                 backoff_s: float = 1.0, sleep: Callable[[float], None] = time.sleep) -> None:
        self.http = http
        self.grant = grant
        self.retries = retries
        self.backoff_s = backoff_s
        self.sleep = sleep
        self.requests = 0
        self.retried = 0

    def delay(self, attempt: int, response: httpx.Response | None) -> float:
        hinted = retry_after(response) if response is not None else None
        if hinted is not None:
            return hinted
        return random.uniform(0, min(MAX_BACKOFF_S, self.backoff_s * 2**attempt))  # noqa: S311 (jitter)

    def send(self, method: str, url: str, *, params: dict[str, Any] | None = None,
             data: dict[str, str] | None = None, headers: dict[str, str] | None = None
             ) -> httpx.Response:
        """The response to a request, after retries; 401 refreshes the token once."""
        refreshed = False
        attempt = 0
        while True:
            sent = dict(headers or {})
            if self.grant is not None:
                sent["Authorization"] = f"Bearer {self.grant.token()}"
            self.requests += 1
            response: httpx.Response | None
            try:
                response = self.http.request(method, url, params=params, data=data,
                                             headers=sent)
            except httpx.TransportError:
                response = None
            if response is not None and response.status_code == 401 and self.grant is not None:
                if refreshed:
                    raise ReconnectNeeded("the provider refused a fresh token: connect again")
                self.grant.renew()
                refreshed = True
                continue
            limited = response is not None and response.status_code == 403 and any(
                r in response.text for r in RATE_LIMIT_REASONS)
            if response is None or response.status_code in RETRY_STATUS or limited:
                if attempt >= self.retries:
                    what = "unreachable" if response is None else str(response.status_code)
                    raise ConnectorError(f"the provider kept failing ({what}); the next sync "
                                         "resumes where this one stopped")
                self.retried += 1
                self.sleep(self.delay(attempt, response))
                attempt += 1
                continue
            return response

    def json(self, url: str, params: dict[str, Any] | None = None, *,
             allow: frozenset[int] = frozenset(), headers: dict[str, str] | None = None
             ) -> dict[str, Any]:
        """A JSON object from a GET; any other status than 200 (or one in ``allow``, returned
        as ``{"_status": code}``) ends this sync with a content-free error."""
        r = self.send("GET", url, params=params, headers=headers)
        if r.status_code in allow:
            return {"_status": r.status_code}
        if r.status_code == 403:
            raise ReconnectNeeded("the grant lacks a permission this source needs: connect "
                                  "again and allow what is asked")
        if r.status_code != 200:
            raise ConnectorError(f"the provider answered {r.status_code}")
        try:
            body = r.json()
        except ValueError:
            raise ConnectorError("the provider answered with broken JSON") from None
        if not isinstance(body, dict):
            raise ConnectorError("the provider answered with unexpected JSON")
        return body
