"""Sign-in with an OpenID Connect provider (Microsoft Entra ID, Google Workspace, Keycloak,
Authentik), through Authlib's Flask client.

Authlib does the protocol: discovery, the authorization code flow with PKCE, state and nonce
kept in the session, the ID token's signature checked against the provider's JWKS. This
module adds what it leaves to the application: the issuer must be the configured one (in
the discovery document and in the token), the audience must be our client id, and only a
verified email matches or makes a user. Inert unless issuer, client id and secret are set.
"""
import logging

from flask import current_app

from ..emails import InvalidEmail, check_email

log = logging.getLogger("clientapp")
EXTENSION = "clientapp_oidc"
TIMEOUT_SECONDS = 10


class SignInRefused(Exception):
    """The provider's answer does not sign anyone in; the message is for the log."""


def init_app(app) -> None:
    cfg = app.config
    issuer = cfg["CLIENTAPP_OIDC_ISSUER"].strip()
    if not (issuer and cfg["CLIENTAPP_OIDC_CLIENT_ID"] and cfg["CLIENTAPP_OIDC_CLIENT_SECRET"]):
        return
    # Imported only here: an instance without OpenID Connect does not load Authlib.
    from authlib.integrations.flask_client import OAuth

    oauth = OAuth(app)
    client = oauth.register(
        "oidc",
        client_id=cfg["CLIENTAPP_OIDC_CLIENT_ID"],
        client_secret=cfg["CLIENTAPP_OIDC_CLIENT_SECRET"],
        server_metadata_url=issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={"scope": cfg["CLIENTAPP_OIDC_SCOPES"], "code_challenge_method": "S256",
                       "default_timeout": TIMEOUT_SECONDS},
    )
    app.extensions[EXTENSION] = client


def enabled() -> bool:
    return EXTENSION in current_app.extensions


def provider_name() -> str:
    return current_app.config["CLIENTAPP_OIDC_NAME"]


def _client():
    client = current_app.extensions[EXTENSION]
    issuer = current_app.config["CLIENTAPP_OIDC_ISSUER"].strip()
    metadata = client.load_server_metadata()
    # OpenID Connect Discovery 1.0, 4.3: the document's issuer is exactly the one we asked.
    if metadata.get("issuer") != issuer:
        raise SignInRefused(f"discovery document names issuer {metadata.get('issuer')!r}, "
                            f"not {issuer!r}")
    return client


def _protocol_errors() -> tuple:
    """What the provider's answers can raise: Authlib's, JOSE's and HTTP errors."""
    import requests
    from authlib.common.errors import AuthlibBaseError
    from joserfc.errors import JoseError

    return (AuthlibBaseError, JoseError, requests.RequestException, ValueError, KeyError,
            TypeError)


def authorize_redirect(redirect_uri: str):
    """The redirect to the provider's sign-in page (state, nonce and PKCE verifier go into
    the session)."""
    try:
        return _client().authorize_redirect(redirect_uri)
    except _protocol_errors() as exc:
        raise SignInRefused(f"provider unavailable: {exc}") from exc


def verified_identity() -> tuple[str, str]:
    """After the provider sent the browser back: (email, name) from a checked ID token, or
    SignInRefused with the reason."""
    cfg = current_app.config
    try:
        token = _client().authorize_access_token(claims_options={
            "iss": {"essential": True, "value": cfg["CLIENTAPP_OIDC_ISSUER"].strip()},
            "aud": {"essential": True, "value": cfg["CLIENTAPP_OIDC_CLIENT_ID"]},
        })
    except SignInRefused:
        raise
    except _protocol_errors() as exc:
        raise SignInRefused(f"{type(exc).__name__}: {exc}") from exc
    claims = token.get("userinfo")
    if not claims:
        raise SignInRefused("the token response has no ID token")
    email = claims.get("email")
    if not email:
        raise SignInRefused(f"the ID token of {claims.get('sub')!r} has no email")
    if claims.get("email_verified") is not True:
        raise SignInRefused(f"the email {email!r} is not verified by the provider")
    try:
        email = check_email(email).lower()
    except InvalidEmail as exc:
        raise SignInRefused(f"{email!r} is not an email address") from exc
    name = (claims.get("name") or "").strip() or email.split("@")[0]
    return email, name[:120]
