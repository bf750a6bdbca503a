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


def _secret_key(instance_path: str) -> str:
    """SECRET_KEY from the environment, else one generated once and kept in the instance folder.

    Keeping it in a file (not in memory) lets several worker processes share it and keeps
    sessions valid across restarts.
    """
    from_env = os.environ.get("SECRET_KEY")
    if from_env:
        return from_env
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # O_EXCL so two workers starting together never write two different keys.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
    return path.read_text().strip()


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
        "CLIENTAPP_IMPORT_MAX_BYTES": int(os.environ.get("CLIENTAPP_IMPORT_MAX_BYTES", str(20 * 1024 * 1024))),
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
        # Set by `clientapp serve` from the address it binds; a non-loopback bind asks for
        # the one-time setup code before the first administrator can be created.
        "CLIENTAPP_LISTEN_HOST": os.environ.get("CLIENTAPP_LISTEN_HOST", "127.0.0.1"),
        "CLIENTAPP_AUTO_MIGRATE": _bool(os.environ.get("CLIENTAPP_AUTO_MIGRATE"), True),
    }
