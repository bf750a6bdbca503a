"""Configuration: defaults first, then the environment.

Every setting the README documents is read here and nowhere else.
"""
import os
import secrets
from pathlib import Path


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def read_or_create(path: Path, make) -> str:
    """The file's content; first written with make() when there is no file yet.

    O_EXCL so two workers starting together never write two different values; 0600 since
    what such a file holds is a secret."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(make())
    return path.read_text().strip()


def _secret_key(instance_path: str) -> str:
    """SECRET_KEY from the environment, else one generated once and kept in the instance folder.

    Keeping it in a file (not in memory) lets several worker processes share it and keeps
    sessions valid across restarts.
    """
    from_env = os.environ.get("SECRET_KEY")
    if from_env:
        return from_env
    return read_or_create(Path(instance_path) / "secret_key", lambda: secrets.token_hex(32))


def load(instance_path: str) -> dict:
    """Settings for create_app(); tests and callers may override any key afterwards."""
    database_url = os.environ.get("DATABASE_URL") or (
        "sqlite:///" + str(Path(instance_path) / "clientapp.sqlite3")
    )
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgres://"):]
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://"):]
    return {
        "SECRET_KEY": _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "clientapp_session",
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
        "BABEL_DEFAULT_LOCALE": os.environ.get("CLIENTAPP_DEFAULT_LOCALE", "en"),
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("CLIENTAPP_TIMEZONE", "UTC"),
        "CLIENTAPP_LOCALES": ("en", "fr"),
        "CLIENTAPP_FRAME_ANCESTORS": os.environ.get("CLIENTAPP_FRAME_ANCESTORS", "'self'"),
        "CLIENTAPP_PROXY_FIX": int(os.environ.get("CLIENTAPP_PROXY_FIX", "0") or 0),
        "CLIENTAPP_LOGIN_MAX_FAILURES": int(os.environ.get("CLIENTAPP_LOGIN_MAX_FAILURES", "5")),
        "CLIENTAPP_LOGIN_MAX_FAILURES_PER_ADDRESS": int(os.environ.get("CLIENTAPP_LOGIN_MAX_FAILURES_PER_ADDRESS", "20")),
        "CLIENTAPP_LOGIN_WINDOW_SECONDS": int(os.environ.get("CLIENTAPP_LOGIN_WINDOW_SECONDS", "900")),
        "CLIENTAPP_LOGIN_ACCOUNT_BACKOFF_AFTER": int(os.environ.get("CLIENTAPP_LOGIN_ACCOUNT_BACKOFF_AFTER", "10")),
        "CLIENTAPP_LOGIN_ACCOUNT_BACKOFF_MAX_SECONDS": int(os.environ.get("CLIENTAPP_LOGIN_ACCOUNT_BACKOFF_MAX_SECONDS", "300")),
        "CLIENTAPP_SESSION_IDLE_HOURS": float(os.environ.get("CLIENTAPP_SESSION_IDLE_HOURS", "12")),
        "CLIENTAPP_PASSWORD_LOGIN": _bool(os.environ.get("CLIENTAPP_PASSWORD_LOGIN"), True),
        "CLIENTAPP_DEFAULT_ROLE": os.environ.get("CLIENTAPP_DEFAULT_ROLE", "viewer"),
        # Sign-in by a reverse proxy that authenticated the user (auth/trusted_header.py);
        # inert while the header or the proxies are empty.
        "CLIENTAPP_TRUSTED_USER_HEADER": os.environ.get("CLIENTAPP_TRUSTED_USER_HEADER", ""),
        "CLIENTAPP_TRUSTED_PROXIES": os.environ.get("CLIENTAPP_TRUSTED_PROXIES", ""),
        "CLIENTAPP_TRUSTED_AUTO_CREATE": _bool(os.environ.get("CLIENTAPP_TRUSTED_AUTO_CREATE")),
        "CLIENTAPP_TRUSTED_LOGOUT_URL": os.environ.get("CLIENTAPP_TRUSTED_LOGOUT_URL", ""),
        # OpenID Connect (auth/oidc.py); inert unless issuer, client id and secret are set.
        "CLIENTAPP_OIDC_ISSUER": os.environ.get("CLIENTAPP_OIDC_ISSUER", ""),
        "CLIENTAPP_OIDC_CLIENT_ID": os.environ.get("CLIENTAPP_OIDC_CLIENT_ID", ""),
        "CLIENTAPP_OIDC_CLIENT_SECRET": os.environ.get("CLIENTAPP_OIDC_CLIENT_SECRET", ""),
        "CLIENTAPP_OIDC_NAME": os.environ.get("CLIENTAPP_OIDC_NAME", "OpenID Connect"),
        "CLIENTAPP_OIDC_SCOPES": os.environ.get("CLIENTAPP_OIDC_SCOPES", "openid email profile"),
        "CLIENTAPP_OIDC_AUTO_CREATE": _bool(os.environ.get("CLIENTAPP_OIDC_AUTO_CREATE")),
        # Inside another site's iframe: the session cookie must be SameSite=None (auth/__init__.py).
        "CLIENTAPP_EMBEDDED": _bool(os.environ.get("CLIENTAPP_EMBEDDED")),
        "CLIENTAPP_IMPORT_MAX_BYTES": int(os.environ.get("CLIENTAPP_IMPORT_MAX_BYTES", str(20 * 1024 * 1024))),
        # Documents (information for staff): where their files live (default: the instance
        # folder's uploads/) and the most one may weigh.
        "CLIENTAPP_UPLOAD_DIR": os.environ.get("CLIENTAPP_UPLOAD_DIR") or None,
        "CLIENTAPP_UPLOAD_MAX_BYTES": int(os.environ.get("CLIENTAPP_UPLOAD_MAX_BYTES", str(10 * 1024 * 1024))),
        "CLIENTAPP_IMPORT_MAX_ROWS": int(os.environ.get("CLIENTAPP_IMPORT_MAX_ROWS", "200000")),
        # What an .xlsx upload may unpack to: a small zip can hold gigabytes of XML.
        "CLIENTAPP_IMPORT_MAX_UNPACKED_BYTES": int(os.environ.get("CLIENTAPP_IMPORT_MAX_UNPACKED_BYTES", str(100 * 1024 * 1024))),
        # A running job (an import) whose heartbeat is older than this is taken for dead (its
        # worker was killed): taken back at the next start-up, `clientapp recover-jobs`, or
        # "Run again". CLIENTAPP_IMPORT_STALE_SECONDS is its older name.
        "CLIENTAPP_JOB_STALE_SECONDS": int(os.environ.get("CLIENTAPP_JOB_STALE_SECONDS")
                                           or os.environ.get("CLIENTAPP_IMPORT_STALE_SECONDS")
                                           or "30"),
        # Argon2id at OWASP's recommended minimum (m=19 MiB, t=2, p=1).
        "CLIENTAPP_ARGON2_TIME_COST": int(os.environ.get("CLIENTAPP_ARGON2_TIME_COST", "2")),
        "CLIENTAPP_ARGON2_MEMORY_KIB": int(os.environ.get("CLIENTAPP_ARGON2_MEMORY_KIB", "19456")),
        # The dashboard's "Needs attention": active clients without a logged interaction
        # for this many days.
        "CLIENTAPP_STALE_DAYS": int(os.environ.get("CLIENTAPP_STALE_DAYS", "90")),
        "CLIENTAPP_AUTO_MIGRATE": _bool(os.environ.get("CLIENTAPP_AUTO_MIGRATE"), True),
    }
