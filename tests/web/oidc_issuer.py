"""A local OIDC issuer on loopback for the SSO tests: discovery, authorize, token and JWKS,
shaped as the OpenID Connect specs say. It approves whoever is configured as ``user``."""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

from joserfc import jwt
from joserfc.jwk import RSAKey


class Issuer:
    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig"})
        self.client_id = "upwell-test"
        self.user: dict[str, Any] = {"sub": "u-123", "email": "sso@example.org",
                                     "email_verified": True}
        self.codes: dict[str, dict[str, Any]] = {}
        self.url = ""


def _handler(issuer: Issuer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args: Any) -> None:
            return

        def _json(self, data: dict[str, Any]) -> None:
            body = json.dumps(data).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            url = urlparse(self.path)
            if url.path == "/.well-known/openid-configuration":
                self._json({"issuer": issuer.url,
                            "authorization_endpoint": issuer.url + "/authorize",
                            "token_endpoint": issuer.url + "/token",
                            "jwks_uri": issuer.url + "/jwks",
                            "response_types_supported": ["code"],
                            "subject_types_supported": ["public"],
                            "id_token_signing_alg_values_supported": ["RS256"]})
            elif url.path == "/jwks":
                self._json({"keys": [issuer.key.as_dict(private=False)]})
            elif url.path == "/authorize":
                q = {k: v[0] for k, v in parse_qs(url.query).items()}
                code = secrets.token_urlsafe(12)
                issuer.codes[code] = q
                self.send_response(302)
                self.send_header("Location", q["redirect_uri"] + "?" + urlencode(
                    {"code": code, "state": q["state"]}))
                self.end_headers()
            else:
                self.send_response(404)
                self.end_headers()

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            grant = issuer.codes.pop(form.get("code", ""), None)
            if grant is None:
                self.send_response(400)
                self.end_headers()
                return
            now = int(time.time())
            claims = {"iss": issuer.url, "aud": issuer.client_id, "iat": now,
                      "exp": now + 300, "nonce": grant.get("nonce"), **issuer.user}
            token = jwt.encode({"alg": "RS256", "kid": "k1"}, claims, issuer.key)
            self._json({"access_token": secrets.token_urlsafe(8), "token_type": "Bearer",
                        "expires_in": 300, "id_token": token})

    return Handler


@contextmanager
def running_issuer() -> Iterator[Issuer]:
    issuer = Issuer()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(issuer))
    issuer.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield issuer
    finally:
        server.shutdown()
        server.server_close()
