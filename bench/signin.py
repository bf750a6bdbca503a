"""Signing a bench in as the app signs people in (a session row and its cookie)."""
from clientapp.auth.sessions import signed_in_client as signed_in  # noqa: F401


def session_cookie(app, user_id: int) -> str:
    """The Cookie header of a signed-in user, for requests made without a test client."""
    cookie = signed_in(app, user_id).get_cookie(app.config["SESSION_COOKIE_NAME"])
    return f"{cookie.key}={cookie.value}"
