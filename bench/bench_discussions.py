"""A team discussion: how fast a long thread opens, what waiting for new messages costs, and
how soon a message reaches open pages while the server is busy.

    .venv/bin/python bench/bench_discussions.py [--messages 10000] [--watchers 50]
                                               [--postgresql URL]

Prints figures; asserts nothing. Issue 12's budgets: a discussion of 10,000 messages opens
(its last 50) within 15 ms median server time; 50 open discussions waiting for messages keep
no more than their share of the server's threads, and a new message reaches them within 3 s.

Open pages poll a since-id fragment every 2 s (the server answers 204 when nothing is new), so
a waiting page holds a thread only for the poll's few milliseconds. The last part serves the
app with waitress (8 threads, as `clientapp serve`), opens --watchers pollers, posts a message
every second while other clients read the client list as fast as they can, and prints how
long each message took to reach every watcher and the busiest the thread pool got.
"""
import http.client
import statistics
import tempfile
import threading
import time

import measure  # bench/ is on the path: scripts run from it
from signin import session_cookie

POLL_SECONDS = 2


def setup(url: str, messages: int):

    from clientapp.auth.services import create_user
    from clientapp.clients.models import Client
    from clientapp.discussions.models import Message
    from clientapp.extensions import db
    from clientapp.projects.models import Project
    from clientapp.teams.models import ProjectTeamMember

    app = measure.schema(url, WTF_CSRF_ENABLED=False)
    with app.app_context():
        reader = create_user("Reader", "reader@example.com", "bench password 1", "viewer")
        writer = create_user("Writer", "writer@example.com", "bench password 1", "manager")
        client = Client(name="Acme")
        db.session.add(client)
        db.session.flush()
        projects = [Project(name=f"Project {n}", client_id=client.id) for n in range(20)]
        db.session.add_all(projects)
        db.session.flush()
        for project in projects:
            db.session.add_all([ProjectTeamMember(project_id=project.id, user_id=reader.id),
                                ProjectTeamMember(project_id=project.id, user_id=writer.id)])
        long = projects[0]
        rows = [{"project_id": p.id, "author_id": writer.id, "body": f"Message {n} " * 8}
                for p in projects[1:] for n in range(50)]
        rows += [{"project_id": long.id, "author_id": writer.id if n % 3 else reader.id,
                  "body": f"Message {n}: see https://example.com/{n}\nand more " * 3}
                 for n in range(messages)]
        measure.insert_rows(Message, rows)
        db.session.commit()
        ids = reader.id, writer.id, long.id
    measure.analyze(app)
    return app, *ids




def serve(app):
    from waitress.server import create_server

    server = create_server(app, host="127.0.0.1", port=0, threads=8)
    threading.Thread(target=server.run, daemon=True).start()
    return server


def watch(app, reader_id, writer_id, project_id, watchers: int, seconds: float):
    """Pollers on a real server while messages are posted and the list is read."""
    from clientapp.discussions.models import Message
    from clientapp.extensions import db

    server = serve(app)
    port = server.effective_port
    reader_cookie = session_cookie(app, reader_id)
    writer_cookie = session_cookie(app, writer_id)
    with app.app_context():
        last = db.session.scalar(db.select(db.func.max(Message.id))
                                 .where(Message.project_id == project_id))
    posted = {}  # message body -> time.perf_counter() when the post was answered
    seen = []  # seconds from post to a watcher's poll bringing it
    poll_times = []
    stop = threading.Event()
    lock = threading.Lock()

    def request(method, path, cookie, body=None, htmx=True):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Cookie": cookie}
        if htmx:
            headers["HX-Request"] = "true"
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read().decode()
        conn.close()
        return response.status, data

    def watcher(n):
        after = last
        time.sleep(n * POLL_SECONDS / watchers)  # pages opened at different moments
        while not stop.is_set():
            began = time.perf_counter()
            status, data = request("GET", f"/projects/{project_id}/discussion/messages"
                                          f"?after={after}", reader_cookie)
            now = time.perf_counter()
            with lock:
                poll_times.append(now - began)
                for body, at in posted.items():
                    if body in data:
                        seen.append(now - at)
            if status == 200:
                after = int(data.split('name="after" value="')[1].split('"')[0])
            time.sleep(POLL_SECONDS)

    def poster():
        n = 0
        while not stop.is_set():
            n += 1
            body = f"bench-message-{n}-{time.time_ns()}"
            request("POST", f"/projects/{project_id}/discussion", writer_cookie,
                    body=f"body={body}&send_key=k{n}&after=0")
            with lock:
                posted[body] = time.perf_counter()
            time.sleep(1)

    def reader():
        while not stop.is_set():
            request("GET", "/clients", reader_cookie, htmx=False)

    threads = [threading.Thread(target=watcher, args=(n,)) for n in range(watchers)]
    threads += [threading.Thread(target=poster)] + [threading.Thread(target=reader)
                                                    for _ in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(60)
    server.close()
    return seen, poll_times, len(posted)


def main():
    import logging

    parser = measure.parser(__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--watchers", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # the readers fill it on purpose
    with tempfile.TemporaryDirectory() as folder, measure.database(folder, args.postgresql) as url:
        app, reader_id, writer_id, project_id = setup(url, args.messages)
        cookie = session_cookie(app, reader_id)
        call = measure.wsgi_timer(app, cookie)
        poll = measure.wsgi_timer(app, cookie, ok="204")
        from clientapp.discussions.models import Message
        from clientapp.extensions import db
        with app.app_context():
            last = db.session.scalar(db.select(db.func.max(Message.id))
                                     .where(Message.project_id == project_id))
        base = f"/projects/{project_id}/discussion"
        timed = {"runs": args.runs, "rounds": args.rounds}
        print(f"{measure.engine_name(args.postgresql)}: a discussion of "
              f"{args.messages:,} messages (median server time, best of {args.rounds} rounds "
              f"of {args.runs})")
        whole = measure.median_ms(call, base, **timed)
        print(f"  open, the whole page      {whole:7.2f} ms  (budget 15 ms)")
        section = measure.median_ms(call, base, htmx=True, **timed)
        print(f"  open, the htmx section    {section:7.2f} ms")
        poll_ms = measure.median_ms(poll, f"{base}/messages?after={last}", htmx=True, **timed)
        print(f"  a poll, nothing new (204) {poll_ms:7.2f} ms: {args.watchers} pages polling "
              f"every {POLL_SECONDS} s keep {poll_ms / 1000 * args.watchers / POLL_SECONDS:.2f} "
              f"of the server's threads busy on average")
        listed = measure.median_ms(call, "/discussions", **timed)
        print(f"  Discussions list          {listed:7.2f} ms")
        seen, poll_times, posts = watch(app, reader_id, writer_id, project_id, args.watchers,
                                        args.seconds)
        print(f"{args.watchers} open pages polling every {POLL_SECONDS} s for {args.seconds:.0f} s, "
              f"a message posted every second ({posts}), 4 clients reading the client list "
              f"without pause, waitress with 8 threads:")
        if seen:
            print(f"  a message reached a page after: median {statistics.median(seen):.2f} s, "
                  f"worst {max(seen):.2f} s  (budget 3 s; {len(seen):,} deliveries)")
        print(f"  polls: {len(poll_times):,}, answered in a median {statistics.median(poll_times) * 1000:.1f} ms, "
              f"worst {max(poll_times) * 1000:.0f} ms, waiting for a thread included")
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
