"""Sign-in limits: keyed on account and address together, per address, a slower backoff per
account; counted atomically across threads and worker processes."""
import multiprocessing
from datetime import timedelta

from sqlalchemy import func, select, update

from clientapp.auth.models import LoginAttempt, User, utcnow
from clientapp.extensions import db

from .conftest import PASSWORD, at_once, make_user

WRONG = "wrong wrong wrong"


def login(client, email, password=WRONG, address="198.51.100.7", **kwargs):
    return client.post("/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address}, **kwargs)


def attempts(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(LoginAttempt))


def age_attempts(app, by: timedelta):
    """As if the attempts were made `by` earlier."""
    with app.app_context():
        for attempt in db.session.scalars(select(LoginAttempt)):
            attempt.at -= by
        db.session.commit()


def test_sixth_failure_in_the_window_gets_429_and_says_when(app, client, admin_id):
    for _ in range(5):
        assert login(client, "admin@example.com").status_code == 422
    sixth = login(client, "admin@example.com", PASSWORD)
    assert sixth.status_code == 429
    assert int(sixth.headers["Retry-After"]) > 0
    assert "Try again in 15 minutes" in sixth.get_data(as_text=True)
    assert client.get("/").status_code == 303  # not signed in, even with the right password


def test_the_limit_answers_htmx_in_place(app, client, admin_id):
    for _ in range(5):
        login(client, "admin@example.com")
    response = login(client, "admin@example.com", htmx=True)
    assert response.status_code == 429
    body = response.get_data(as_text=True)
    assert 'id="login-form"' in body and "<html" not in body
    assert "Too many failed attempts" in body


def test_a_strangers_guesses_do_not_lock_the_user_out(app, client, admin_id):
    """Thirty guesses from one address lock that address out of that account, not the
    administrator signing in from theirs."""
    for _ in range(30):
        login(client, "admin@example.com", address="203.0.113.66")
    assert login(client, "admin@example.com", PASSWORD, address="203.0.113.66").status_code == 429
    own = app.test_client()
    assert login(own, "admin@example.com", PASSWORD, address="192.0.2.10").status_code == 303
    assert own.get("/").status_code == 200


def test_failures_are_counted_in_the_database_and_a_success_clears_the_pair(app, client,
                                                                            admin_id):
    login(client, "admin@example.com", address="192.0.2.10")
    login(client, "admin@example.com", address="203.0.113.66")
    with app.app_context():
        rows = db.session.scalars(select(LoginAttempt).order_by(LoginAttempt.id)).all()
        assert [(r.email, r.address) for r in rows] == [
            ("admin@example.com", "192.0.2.10"), ("admin@example.com", "203.0.113.66")]
    assert login(client, "admin@example.com", PASSWORD, address="192.0.2.10").status_code == 303
    with app.app_context():
        rows = db.session.scalars(select(LoginAttempt)).all()
        # Someone else's failure, from another address, still counts against them.
        assert [(r.email, r.address) for r in rows] == [("admin@example.com", "203.0.113.66")]
        assert db.session.get(User, admin_id).last_sign_in_address == "192.0.2.10"


def test_limit_per_address_across_accounts(make_app):
    app = make_app(CLIENTAPP_LOGIN_MAX_FAILURES_PER_ADDRESS=3)
    make_user(app, "admin")
    client = app.test_client()
    for n in range(3):
        login(client, f"guess{n}@example.com")
    assert login(client, "admin@example.com", PASSWORD).status_code == 429
    assert login(app.test_client(), "admin@example.com", PASSWORD,
                 address="192.0.2.10").status_code == 303


def failures_from_many_addresses(app, email, count):
    """`count` failures on `email` just now, each from an address of its own."""
    with app.app_context():
        now = utcnow()
        db.session.add_all(LoginAttempt(email=email, address=f"203.0.113.{n}", at=now)
                           for n in range(count))
        db.session.commit()


def test_guesses_from_many_addresses_slow_the_account_down(make_app):
    app = make_app(CLIENTAPP_LOGIN_ACCOUNT_BACKOFF_AFTER=4,
                   CLIENTAPP_LOGIN_ACCOUNT_BACKOFF_MAX_SECONDS=60)
    admin = make_user(app, "admin")
    client = app.test_client()
    # Four failures are let through; the 5th try waits 1 s, the 6th 2 s... the 9th 16 s.
    failures_from_many_addresses(app, "admin@example.com", 8)
    slowed = login(client, "admin@example.com", PASSWORD, address="198.51.100.1")
    assert slowed.status_code == 429
    wait = int(slowed.headers["Retry-After"])
    assert 1 <= wait <= 16  # a backoff, not a lock-out
    assert f"Try again in {wait} second" in slowed.get_data(as_text=True)
    # Once it has passed, the next try is checked, and the one after waits twice as long.
    age_attempts(app, timedelta(seconds=17))
    assert login(client, "admin@example.com", address="198.51.100.2").status_code == 422
    assert 16 < int(login(client, "admin@example.com", address="198.51.100.3")
                    .headers["Retry-After"]) <= 32
    # Never longer than the maximum.
    failures_from_many_addresses(app, "other@example.com", 30)
    capped = login(client, "other@example.com", address="198.51.100.4")
    assert 30 < int(capped.headers["Retry-After"]) <= 60
    # The address the user last signed in from is spared.
    with app.app_context():
        db.session.execute(update(User).where(User.id == admin)
                           .values(last_sign_in_address="192.0.2.10"))
        db.session.commit()
    assert login(client, "admin@example.com", PASSWORD, address="192.0.2.10").status_code == 303


def test_refused_attempts_do_not_extend_the_lock(app, client, admin_id):
    for _ in range(5):
        login(client, "admin@example.com")
    for _ in range(10):
        login(client, "admin@example.com")
    assert attempts(app) == 5


# --- atomic, whatever the parallelism ---------------------------------------------------

def _race(app, posts: list[dict]) -> list[int]:
    """Every post at once, each from its own thread, test client and app context."""

    def one(post):
        client = app.test_client()
        return lambda: login(client, **post).status_code

    return at_once(*(one(post) for post in posts))


def slow_hashes(make_app, **config):
    # Hashes as slow as in production, so that the checks really overlap.
    return make_app(CLIENTAPP_ARGON2_TIME_COST=2, CLIENTAPP_ARGON2_MEMORY_KIB=19456, **config)


def test_thirty_parallel_guesses_on_one_account_check_five(make_app):
    app = slow_hashes(make_app)
    make_user(app, "admin")
    statuses = _race(app, [{"email": "admin@example.com"}] * 30)
    assert sorted(statuses) == [422] * 5 + [429] * 25


def test_forty_parallel_guesses_from_one_address_check_twenty(make_app):
    app = slow_hashes(make_app)
    make_user(app, "admin")
    statuses = _race(app, [{"email": f"guess{n}@example.com"} for n in range(40)])
    assert sorted(statuses) == [422] * 20 + [429] * 20


def _guess_in_a_process(config, email, count, barrier, results):
    """One worker process of the app: `count` wrong passwords at once, in threads."""
    from clientapp import create_app

    from .conftest import CsrfClient

    app = create_app(config)
    app.test_client_class = CsrfClient
    barrier.wait()
    results.put(_race(app, [{"email": email}] * count))


def test_guesses_from_several_worker_processes_check_five(make_app):
    app = slow_hashes(make_app)
    make_user(app, "admin")
    config = {key: app.config[key] for key in (
        "TESTING", "SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "CLIENTAPP_ARGON2_TIME_COST",
        "CLIENTAPP_ARGON2_MEMORY_KIB")}
    spawn = multiprocessing.get_context("spawn")
    barrier, results = spawn.Barrier(3), spawn.Queue()
    workers = [spawn.Process(target=_guess_in_a_process,
                             args=(config, "admin@example.com", 10, barrier, results))
               for _ in range(3)]
    for worker in workers:
        worker.start()
    statuses = [status for _ in workers for status in results.get(timeout=120)]
    for worker in workers:
        worker.join(30)
    assert sorted(statuses) == [422] * 5 + [429] * 25


def test_a_lock_held_too_long_is_a_clear_503_not_a_500(app, client, admin_id, monkeypatch):
    """Were the attempts' lock held beyond LOCK_WAIT_MS (a machine on its knees), the
    sign-in page says so; nothing is written."""
    from sqlalchemy import text

    from clientapp.auth import limits

    monkeypatch.setattr(limits, "LOCK_WAIT_MS", 200)
    with app.app_context():
        holder = db.engine.connect()
        if holder.dialect.name == "sqlite":
            from clientapp.db.sqlite import write_lock

            with write_lock():
                holder.exec_driver_sql("SELECT 1")  # begun with BEGIN IMMEDIATE: lock held
        else:
            holder.execute(text("SELECT pg_advisory_lock(:id)"), {"id": limits._LOCK_ID})
        try:
            response = login(client, "admin@example.com", PASSWORD)
        finally:
            holder.rollback()
            if holder.dialect.name != "sqlite":
                holder.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": limits._LOCK_ID})
                holder.commit()
            holder.close()
    assert response.status_code == 503
    # SQLite: the whole request waits for the database's write lock (a busy database);
    # PostgreSQL: the attempts' own advisory lock (too many sign-ins at once).
    message = ("The database is busy with other changes." if holder.dialect.name == "sqlite"
               else "Too many people are signing in at this moment.")
    assert message in response.get_data(as_text=True)
    assert attempts(app) == 0
    assert login(client, "admin@example.com", PASSWORD).status_code == 303
