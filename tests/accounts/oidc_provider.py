"""A small but real OpenID Connect provider for the tests, on 127.0.0.1.

It publishes discovery and a JWKS (an RSA key made at start), auto-approves
at the authorize endpoint (or answers ``access_denied`` when told the user
cancelled), and at the token endpoint checks client authentication, the
single-use code, the redirect URI and the PKCE verifier against the S256
challenge before returning a real RS256-signed ID token. Tests change
``claims`` (added to or overriding the defaults), ``remove_claims``,
``signing_key`` (to sign with a key the JWKS does not publish) and
``token_status`` (to make the token endpoint fail).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from urllib.parse import urlencode

from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, abort, jsonify, redirect, request
from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.serving import WSGIRequestHandler, make_server


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:
        """The provider's access log would print codes and states; the tests check ours."""


def new_rsa_key(kid: str) -> RSAKey:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return RSAKey.import_key(private, parameters={"kid": kid, "use": "sig", "alg": "RS256"})


class LocalProvider:
    def __init__(self, *, client_id: str = "participation-test", client_secret: str = "s3cret-client"):
        self.client_id = client_id
        self.client_secret = client_secret
        self.key = new_rsa_key("key-1")
        self.published_keys = [self.key]
        self.signing_key = self.key
        self.cancel = False
        self.claims: dict = {}
        self.remove_claims: set[str] = set()
        self.userinfo_claims: dict = {}
        self.token_status: int | None = None
        self.codes: dict[str, dict] = {}
        self.access_tokens: dict[str, dict] = {}
        self.requests_seen: list[str] = []
        self.jwks_fetches = 0
        self.app = self._make_app()
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True, request_handler=_QuietHandler)
        self.port = self._server.server_port
        self.issuer = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> LocalProvider:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)

    def settings(self, **overrides) -> dict:
        entry = {
            "name": "testid",
            "issuer": self.issuer,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "scopes": "openid profile pid",
            "id_claim": "pid",
            "name_th": "ไทยดีทดสอบ",
            "name_en": "TestID",
        }
        entry.update(overrides)
        return entry

    def reset(self) -> None:
        self.signing_key = self.key
        self.published_keys = [self.key]
        self.cancel = False
        self.claims = {}
        self.remove_claims = set()
        self.userinfo_claims = {}
        self.token_status = None
        self.codes.clear()
        self.access_tokens.clear()
        self.requests_seen.clear()
        self.jwks_fetches = 0

    # --- the provider's endpoints ---------------------------------------------

    def _make_app(self) -> Flask:
        app = Flask("test_oidc_provider")

        @app.before_request
        def _seen():
            self.requests_seen.append(request.path)

        @app.get("/.well-known/openid-configuration")
        def discovery():
            return jsonify(
                issuer=self.issuer,
                authorization_endpoint=f"{self.issuer}/authorize",
                token_endpoint=f"{self.issuer}/token",
                userinfo_endpoint=f"{self.issuer}/userinfo",
                jwks_uri=f"{self.issuer}/jwks",
                response_types_supported=["code"],
                subject_types_supported=["public"],
                id_token_signing_alg_values_supported=["RS256"],
                code_challenge_methods_supported=["S256"],
                token_endpoint_auth_methods_supported=["client_secret_basic"],
            )

        @app.get("/jwks")
        def jwks():
            self.jwks_fetches += 1
            return jsonify(keys=[key.as_dict(private=False) for key in self.published_keys])

        @app.get("/authorize")
        def authorize():
            args = request.args
            if args.get("client_id") != self.client_id or args.get("response_type") != "code":
                abort(400)
            if args.get("code_challenge_method") != "S256" or not args.get("code_challenge"):
                abort(400)
            if "openid" not in args.get("scope", "").split() or not args.get("nonce"):
                abort(400)
            target = args["redirect_uri"]
            if self.cancel:
                query = {"error": "access_denied", "state": args.get("state", "")}
                return redirect(f"{target}?{urlencode(query)}")
            code = secrets.token_urlsafe(24)
            self.codes[code] = {
                "challenge": args["code_challenge"],
                "nonce": args["nonce"],
                "redirect_uri": target,
            }
            return redirect(f"{target}?{urlencode({'code': code, 'state': args.get('state', '')})}")

        @app.post("/token")
        def token():
            if self.token_status:
                return jsonify(error="server_error"), self.token_status
            auth = request.authorization
            if auth is None or auth.username != self.client_id or auth.password != self.client_secret:
                return jsonify(error="invalid_client"), 401
            form = request.form
            grant = self.codes.pop(form.get("code", ""), None)  # single use
            if form.get("grant_type") != "authorization_code" or grant is None:
                return jsonify(error="invalid_grant"), 400
            if form.get("redirect_uri") != grant["redirect_uri"]:
                return jsonify(error="invalid_grant"), 400
            verifier = form.get("code_verifier", "")
            digest = hashlib.sha256(verifier.encode()).digest()
            challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
            if not verifier or challenge != grant["challenge"]:
                return jsonify(error="invalid_grant", error_description="PKCE verification failed"), 400
            now = int(time.time())
            claims = {
                "iss": self.issuer,
                "aud": self.client_id,
                "sub": "subject-0001",
                "iat": now,
                "exp": now + 300,
                "nonce": grant["nonce"],
                "auth_time": now,
                "name": "สมชาย ใจดี",
                "birthdate": "1990-04-13",
            }
            claims.update(self.claims)
            for name in self.remove_claims:
                claims.pop(name, None)
            access_token = secrets.token_urlsafe(24)
            self.access_tokens[access_token] = {**claims, **self.userinfo_claims}
            header = {"alg": "RS256", "kid": self.signing_key.kid, "typ": "JWT"}
            id_token = jwt.encode(header, claims, self.signing_key)
            return jsonify(access_token=access_token, token_type="Bearer", expires_in=300, id_token=id_token)

        @app.get("/userinfo")
        def userinfo():
            header = request.headers.get("Authorization", "")
            data = self.access_tokens.get(header.removeprefix("Bearer "))
            if data is None:
                return jsonify(error="invalid_token"), 401
            keep = ("sub", "name", "birthdate", "pid", "email", "email_verified")
            return jsonify({k: v for k, v in data.items() if k in keep})

        return app
