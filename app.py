"""WSGI entry point: `flask --app app run`, `waitress-serve app:app`, `clientapp serve`.

The schema is brought up to date here, on start, so no server needs a separate step
(CLIENTAPP_AUTO_MIGRATE=0 turns that off).
"""
from clientapp import create_app
from clientapp.auth.setup import announce
from clientapp.schema import recover_jobs, upgrade_schema

app = create_app()
if app.config["CLIENTAPP_AUTO_MIGRATE"]:
    upgrade_schema(app)
    recover_jobs(app)
# While the instance has no user: the link that creates the first administrator, once.
announce(app)
