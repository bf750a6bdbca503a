"""Sign-in by a reverse proxy that has authenticated the user (oauth2-proxy, Authelia,
Authentik, a company nginx) and names them in a header.

Only a request whose direct peer is one of CLIENTAPP_TRUSTED_PROXIES is believed; the same
header from anywhere else is ignored, as are all headers while either setting is empty.
"""
import ipaddress
import logging

from flask import current_app, request
from flask_babel import gettext as _
from flask_login import current_user

from ..emails import InvalidEmail, check_email
from ..errors import error_page
from .identities import sign_in_identity
from .models import User

log = logging.getLogger("clientapp")
EXTENSION = "clientapp_trusted_proxies"


def parse_networks(value: str) -> list:
    """Addresses and CIDR ranges, separated by commas or spaces."""
    networks = []
    for item in value.replace(",", " ").split():
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(f"CLIENTAPP_TRUSTED_PROXIES: {item!r} is neither an address nor "
                             "a CIDR range") from None
    return networks


def init_app(app) -> None:
    header = app.config["CLIENTAPP_TRUSTED_USER_HEADER"].strip()
    networks = parse_networks(app.config["CLIENTAPP_TRUSTED_PROXIES"])
    if header and networks:
        app.extensions[EXTENSION] = (header, networks)


def _peer_address() -> str:
    """The address of whatever connected to us, before ProxyFix put the visitor's in its
    place: the proxy to trust is the peer, not who the proxy says it serves."""
    original = request.environ.get("werkzeug.proxy_fix.orig") or {}
    return original.get("REMOTE_ADDR") or request.environ.get("REMOTE_ADDR") or ""


def _trusted(address: str, networks) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return any(ip in network for network in networks)


def asserted_email() -> str | None:
    """The header's value when a trusted proxy sent it; None otherwise."""
    setting = current_app.extensions.get(EXTENSION)
    if not setting:
        return None
    header, networks = setting
    value = (request.headers.get(header) or "").strip()
    if not value or not _trusted(_peer_address(), networks):
        return None
    return value


def sign_in_from_header():
    """before_request: sign the proxy's user in (or refuse them with a page that says why)."""
    value = asserted_email()
    if value is None:
        return None
    try:
        email = check_email(value).lower()
    except InvalidEmail:
        log.warning("Trusted header sign-in refused: %r is not an email address", value[:100])
        return error_page(403, _("The sign-in service sent something that is not an email "
                                 "address. Ask your administrator to check its settings."),
                          title=_("Sign-in failed"))
    if current_user.is_authenticated and current_user.email == email:
        return None
    if User.count() == 0:
        return None  # a fresh instance: the first administrator is made on /setup
    return sign_in_identity(email, email.split("@")[0],
                            current_app.config["CLIENTAPP_TRUSTED_AUTO_CREATE"], "Trusted header")
