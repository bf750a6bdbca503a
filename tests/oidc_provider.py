"""A small OpenID Connect provider for the tests, served on 127.0.0.1: discovery, an
authorization endpoint that signs in whoever `user` says, a token endpoint that checks the
client's secret and the PKCE verifier, and the JWKS. `tamper` makes it misbehave the ways a
relying party must refuse."""
import base64
import hashlib
import secrets
import threading
import time
from urllib.parse import urlencode

from flask import Flask, abort, jsonify, redirect, request
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from werkzeug.serving import make_server

CLIENT_ID = "clientapp"
CLIENT_SECRET = "s3cret-for-tests"


class Provider:
    def __init__(self):
        self.key = RSAKey.generate_key(2048, {"kid": "main"})
        self.user = {"sub": "u-1", "email": "admin@example.com", "email_verified": True,
                     "name": "Ada Lovelace"}
        self.tamper: dict = {}
        self.codes: dict = {}
        self.token_requests = 0
        self.app = self._make_app()
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.issuer = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(5)

    def config(self, **extra) -> dict:
        """The app's settings for this provider."""
        return {"CLIENTAPP_OIDC_ISSUER": self.issuer, "CLIENTAPP_OIDC_CLIENT_ID": CLIENT_ID,
                "CLIENTAPP_OIDC_CLIENT_SECRET": CLIENT_SECRET, "CLIENTAPP_OIDC_NAME": "Keycloak",
                **extra}

    def id_token(self, nonce: str) -> str:
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": CLIENT_ID, "iat": now, "exp": now + 300,
                  "nonce": nonce, **self.user}
        for name in ("iss", "aud", "nonce", "exp"):
            if name in self.tamper:
                claims[name] = self.tamper[name]
        if "azp" in self.tamper:
            claims["azp"] = self.tamper["azp"]
        key = self.key
        if self.tamper.get("signature"):  # another key claiming to be ours
            key = RSAKey.generate_key(2048, {"kid": "main"})
        return jwt.encode({"alg": "RS256", "kid": "main"}, claims, key)

    def _make_app(self):
        app = Flask("oidc_provider")

        @app.get("/.well-known/openid-configuration")
        def discovery():
            return jsonify({
                "issuer": self.tamper.get("discovery_issuer", self.issuer),
                "authorization_endpoint": self.issuer + "/authorize",
                "token_endpoint": self.issuer + "/token",
                "jwks_uri": self.issuer + "/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
            })

        @app.get("/jwks")
        def jwks():
            return jsonify(KeySet([self.key]).as_dict(private=False))

        @app.get("/authorize")
        def authorize():
            args = request.args
            if args.get("client_id") != CLIENT_ID or args.get("response_type") != "code" \
                    or args.get("code_challenge_method") != "S256" \
                    or "openid" not in args.get("scope", "").split():
                abort(400)
            code = secrets.token_urlsafe(16)
            self.codes[code] = {"nonce": args.get("nonce"), "redirect_uri": args["redirect_uri"],
                                "challenge": args["code_challenge"]}
            return redirect(args["redirect_uri"] + "?" + urlencode(
                {"code": code, "state": args.get("state", "")}))

        @app.post("/token")
        def token():
            self.token_requests += 1
            auth = request.authorization
            if not auth or (auth.username, auth.password) != (CLIENT_ID, CLIENT_SECRET):
                return jsonify({"error": "invalid_client"}), 401
            grant = self.codes.pop(request.form.get("code"), None)
            if grant is None or request.form.get("redirect_uri") != grant["redirect_uri"]:
                return jsonify({"error": "invalid_grant"}), 400
            verifier = request.form.get("code_verifier", "")
            challenge = base64.urlsafe_b64encode(
                hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if challenge != grant["challenge"]:
                return jsonify({"error": "invalid_grant", "error_description": "PKCE"}), 400
            body = {"access_token": secrets.token_urlsafe(16), "token_type": "Bearer",
                    "expires_in": 300}
            if not self.tamper.get("no_id_token"):
                body["id_token"] = self.id_token(grant["nonce"])
            return jsonify(body)

        return app
