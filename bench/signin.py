"""A test client signed in as the app signs people in (a session row and its cookie):
sessions live in the database, so a cookie made by hand is not enough."""


def signed_in(app, user_id: int):
    from flask import session

    from clientapp.auth import sessions
    from clientapp.auth.models import User
    from clientapp.extensions import db

    client = app.test_client()
    with app.test_request_context():
        sessions.sign_in(db.session.get(User, user_id))
        db.session.commit()
        values = dict(session)
    with client.session_transaction() as sess:
        sess.update(values)
    return client


def session_cookie(app, user_id: int) -> str:
    """The Cookie header of a signed-in user, for requests made without a test client."""
    cookie = signed_in(app, user_id).get_cookie(app.config["SESSION_COOKIE_NAME"])
    return f"{cookie.key}={cookie.value}"
