"""A project's team discussion: who reads and posts, sending (once per key), editing and
deleting, polling for new messages, earlier messages, unread counts and the Discussions list."""
import pytest
from sqlalchemy import select

from clientapp.discussions.models import Message, ReadMark
from clientapp.extensions import db
from clientapp.teams.models import ProjectTeamMember

from .conftest import make_user, sign_in
from .factories import add_client, add_project, count
from .html import attr, find, one, texts, words


def add_member(app, project_id, user_id, in_discussions=True, role=None):
    with app.app_context():
        db.session.add(ProjectTeamMember(project_id=project_id, user_id=user_id, role=role,
                                         in_discussions=in_discussions))
        db.session.commit()


def add_messages(app, project_id, author_id, *bodies) -> list[int]:
    with app.app_context():
        messages = [Message(project_id=project_id, author_id=author_id, body=b) for b in bodies]
        db.session.add_all(messages)
        db.session.commit()
        return [m.id for m in messages]


def bodies(response) -> list[str]:
    return [words(node) for node in find(response, "#discussion-messages .message-body")]


@pytest.fixture
def project_id(app):
    return add_project(app, add_client(app, "Acme"), "Launch")


@pytest.fixture
def member_id(app, project_id, admin_id):
    user_id = make_user(app, "viewer", email="mia@example.com", name="Mia Member")
    add_member(app, project_id, user_id, role="Account lead")
    return user_id


@pytest.fixture
def member(app, member_id):
    return sign_in(app, member_id)


def test_a_member_reads_the_thread_as_a_page_and_as_a_fragment(app, member, member_id,
                                                                 project_id, manager_id):
    add_member(app, project_id, manager_id, in_discussions=False)
    add_messages(app, project_id, member_id, "Hello team", "Second")
    page = member.get(f"/projects/{project_id}/discussion")
    assert page.status_code == 200 and "<html" in page.get_data(as_text=True)
    assert words(one(page, "#discussion h2")) == "Team discussion"
    assert bodies(page) == ["Hello team", "Second"]
    # Who takes part is said; a member switched out of discussions is not named there.
    people = words(one(page, ".discussion-people"))
    assert "Mia Member" in people and "Max Manager" not in people
    fragment = member.get(f"/projects/{project_id}/discussion", htmx=True)
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in body and 'id="discussion"' in body
    assert "HX-Request" in fragment.headers["Vary"]
    assert "data-enter-sends" in one(fragment, "#discussion-message").attributes
    assert words(one(fragment, "label[for=discussion-message]")) == "Message"


def test_others_see_who_takes_part_but_not_the_messages(app, project_id, member_id, manager_id):
    add_messages(app, project_id, member_id, "Secret plan")
    add_member(app, project_id, manager_id, in_discussions=False)
    outsider = sign_in(app, manager_id)
    page = outsider.get(f"/projects/{project_id}/discussion")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Secret plan" not in text and "Mia Member" in words(one(page, ".discussion-people"))
    assert "Only the members" in words(one(page, "#discussion .note"))
    assert not find(page, "#discussion-form")
    # Crafted requests: reading the messages, posting, editing, deleting: 403.
    message_id = add_messages(app, project_id, member_id, "More")[0]
    base = f"/projects/{project_id}/discussion"
    assert outsider.get(f"{base}/messages?after=0", htmx=True).status_code == 403
    assert outsider.get(f"{base}/messages?before={message_id}", htmx=True).status_code == 403
    assert outsider.post(base, data={"body": "Let me in"}).status_code == 403
    assert outsider.post(f"{base}/{message_id}/delete").status_code == 403
    assert count(app, Message) == 2


def test_admins_read_and_post_in_any_discussion(app, admin_client, project_id):
    response = admin_client.post(f"/projects/{project_id}/discussion",
                                 data={"body": "From the admin", "send_key": "k1"})
    assert response.status_code == 303
    assert bodies(admin_client.get(f"/projects/{project_id}/discussion")) == ["From the admin"]


def test_access_ends_at_once_when_a_member_is_switched_out_or_removed(app, member, member_id,
                                                                      project_id):
    add_messages(app, project_id, member_id, "Mine")
    with app.app_context():
        db.session.get(ProjectTeamMember, (project_id, member_id)).in_discussions = False
        db.session.commit()
    assert member.post(f"/projects/{project_id}/discussion",
                       data={"body": "Still here?"}).status_code == 403
    assert not find(member.get(f"/projects/{project_id}/discussion"), "#discussion-messages")
    with app.app_context():
        db.session.delete(db.session.get(ProjectTeamMember, (project_id, member_id)))
        db.session.commit()
    assert member.get(f"/projects/{project_id}/discussion/messages?after=0",
                      htmx=True).status_code == 403
    # Their past message stays, attributed.
    with app.app_context():
        message = db.session.scalars(select(Message)).one()
        assert (message.body, message.author.name) == ("Mine", "Mia Member")


def test_sending_appends_the_message_and_gives_a_fresh_form(app, member, member_id, project_id):
    first = add_messages(app, project_id, member_id, "Earlier")[0]
    response = member.post(f"/projects/{project_id}/discussion", htmx=True,
                           data={"body": "  Line one\r\nLine two  ", "send_key": "abc",
                                 "after": str(first)})
    assert response.status_code == 200
    assert one(response, "#discussion-form textarea").text() == ""
    assert attr(response, "#discussion-form input[name=send_key]", "value") != "abc"
    appended = one(response, "ol[hx-swap-oob]")
    assert attr(response, "ol[hx-swap-oob]", "hx-swap-oob") == "beforeend:#discussion-messages"
    assert [n.text() for n in appended.css(".message-body")] == ["Line one\nLine two"]
    # The poller moves past the new message, so it does not bring it a second time.
    with app.app_context():
        new_id = db.session.scalar(select(Message.id).where(Message.send_key == "abc"))
        assert db.session.get(Message, new_id).body == "Line one\nLine two"
    assert attr(response, "#discussion-poll input[name=after]", "value") == str(new_id)
    assert attr(response, "#discussion-poll", "hx-swap-oob") == "true"


def test_the_same_send_key_posts_once(app, member, project_id):
    for _ in range(3):  # a double Enter, a retried request
        member.post(f"/projects/{project_id}/discussion", htmx=True,
                    data={"body": "Once", "send_key": "same-key", "after": "0"})
    assert count(app, Message) == 1


@pytest.mark.parametrize("body, reason", [
    ("   ", "Write a message before sending."),
    ("x" * 5001, "A message is at most 5,000 characters (this one has 5,001)."),
])
def test_an_empty_or_too_long_message_is_refused_with_the_text_kept(app, member, project_id,
                                                                     body, reason):
    response = member.post(f"/projects/{project_id}/discussion", htmx=True,
                           data={"body": body, "send_key": "k"})
    assert response.status_code == 422
    assert words(one(response, "#discussion-message-error")) == reason
    assert one(response, "#discussion-message").text() == body.strip()
    assert attr(response, "#discussion-message", "aria-invalid") == "true"
    page = member.post(f"/projects/{project_id}/discussion", data={"body": body})
    assert page.status_code == 422 and "<html" in page.get_data(as_text=True)
    assert count(app, Message) == 0


def test_markup_shows_as_text_and_only_web_addresses_become_links(app, member, member_id,
                                                                   project_id):
    add_messages(app, project_id, member_id,
                 '<script>alert(1)</script> see https://example.com/a?b=1&c=2. '
                 'and javascript:alert(2) and <a href="http://evil">x</a>')
    response = member.get(f"/projects/{project_id}/discussion")
    body = response.get_data(as_text=True)
    assert "<script>alert(1)" not in body and "&lt;script&gt;" in body
    links = [(a.attributes["href"], a.text()) for a in find(response, ".message-body a")]
    assert len(links) == 2
    assert links == [("https://example.com/a?b=1&c=2", "https://example.com/a?b=1&c=2"),
                     ("http://evil", "http://evil")]
    assert {a.attributes["rel"] for a in find(response, ".message-body a")} == \
        {"noopener noreferrer nofollow"}


def test_polling_brings_only_new_messages_and_204_when_none(app, member, member_id,
                                                           project_id, manager_id):
    add_member(app, project_id, manager_id)
    mine = add_messages(app, project_id, member_id, "Old")[0]
    url = f"/projects/{project_id}/discussion/messages"
    assert member.get(f"{url}?after={mine}", htmx=True).status_code == 204
    new = add_messages(app, project_id, manager_id, "New one", "And another")
    response = member.get(f"{url}?after={mine}", htmx=True)
    assert response.status_code == 200
    assert [words(n) for n in find(response, "ol[hx-swap-oob] .message-body")] == \
        ["New one", "And another"]
    assert attr(response, "#discussion-poll input[name=after]", "value") == str(new[-1])
    for bad in ("abc", "-1", "99999999999999999999"):
        assert member.get(f"{url}?after={bad}", htmx=True).status_code == 404


def test_earlier_messages_load_fifty_at_a_time(app, member, member_id, project_id):
    ids = add_messages(app, project_id, member_id, *[f"m{n}" for n in range(120)])
    page = member.get(f"/projects/{project_id}/discussion")
    assert bodies(page) == [f"m{n}" for n in range(70, 120)]
    assert words(one(page, "#discussion-earlier")) == "Load earlier messages"
    earlier = member.get(attr(page, "#discussion-earlier a", "hx-get"), htmx=True)
    assert [words(n) for n in find(earlier, ".message-body")] == [f"m{n}" for n in range(20, 70)]
    last = member.get(attr(earlier, "#discussion-earlier a", "hx-get"), htmx=True)
    assert [words(n) for n in find(last, ".message-body")] == [f"m{n}" for n in range(20)]
    assert not find(last, "#discussion-earlier")
    assert ids[0] < ids[-1]


def test_authors_edit_their_own_messages(app, member, member_id, project_id, manager_id):
    add_member(app, project_id, manager_id)
    mine, theirs = add_messages(app, project_id, member_id, "Helo")[0], \
        add_messages(app, project_id, manager_id, "Theirs")[0]
    base = f"/projects/{project_id}/discussion"
    form = member.get(f"{base}/{mine}/edit", htmx=True)
    assert one(form, f"#message-{mine} textarea").text() == "Helo"
    assert member.post(f"{base}/{mine}/edit", htmx=True, data={"body": ""}).status_code == 422
    saved = member.post(f"{base}/{mine}/edit", htmx=True, data={"body": "Hello"})
    assert words(one(saved, ".message-body")) == "Hello"
    assert words(one(saved, ".message-edited")) == "edited"
    # Someone else's message: no Edit button, and a crafted edit is refused.
    page = member.get(base)
    assert not find(page, f"#message-{theirs} .message-actions")
    assert member.post(f"{base}/{theirs}/edit", data={"body": "Mine now"}).status_code == 403
    # A message of another project is not found through this one.
    other = add_project(app, None, "Other")
    add_member(app, other, member_id)
    assert member.get(f"/projects/{other}/discussion/{mine}/edit", htmx=True).status_code == 404


def test_deleting_leaves_message_deleted_in_place(app, member, member_id, project_id,
                                                  manager_id, admin_client):
    add_member(app, project_id, manager_id)
    mine = add_messages(app, project_id, member_id, "Oops")[0]
    theirs = add_messages(app, project_id, manager_id, "Theirs")[0]
    base = f"/projects/{project_id}/discussion"
    ask = member.get(f"{base}/{mine}/delete", htmx=True)
    assert "Delete this message?" in words(one(ask, f"#message-{mine}"))
    done = member.post(f"{base}/{mine}/delete", htmx=True)
    assert words(one(done, ".message-deleted")) == "Message deleted"
    assert member.post(f"{base}/{theirs}/delete", htmx=True).status_code == 403
    # Admins may delete any message.
    assert admin_client.post(f"{base}/{theirs}/delete", htmx=True).status_code == 200
    with app.app_context():
        kept = db.session.scalars(select(Message).order_by(Message.id)).all()
        assert [(m.body, m.deleted_at is not None) for m in kept] == [("", True), ("", True)]
    assert texts(member.get(base), ".message-deleted") == ["Message deleted"] * 2


def test_unread_counts_in_the_sidebar_and_the_discussions_list(app, member, member_id,
                                                               project_id, manager_id):
    add_member(app, project_id, manager_id)
    quiet = add_project(app, None, "Quiet project")
    add_member(app, quiet, member_id)
    add_messages(app, project_id, manager_id, "One", "Two")
    add_messages(app, project_id, member_id, "My own does not count")
    page = member.get("/discussions")
    assert words(one(page, "nav.sidebar a[href='/discussions'] .badge")) == \
        "2 unread messages"
    assert texts(page, ".discussion-item > a") == ["Launch", "Quiet project"]
    assert texts(page, ".discussion-item .badge") == ["2 unread messages"]
    fragment = member.get("/discussions", htmx=True)
    assert fragment.status_code == 200 and 'id="discussion-list"' in fragment.get_data(True)
    # Opening the discussion marks it read.
    member.get(f"/projects/{project_id}/discussion")
    with app.app_context():
        mark = db.session.get(ReadMark, (project_id, member_id))
        assert mark.last_read_id == db.session.scalar(select(db.func.max(Message.id)))
    again = member.get("/discussions")
    assert not find(again, "nav.sidebar .badge") and not find(again, ".discussion-item .badge")
    # Newest activity first.
    add_messages(app, quiet, manager_id, "Wake up")
    assert texts(member.get("/discussions"), ".discussion-item > a")[0] == "Quiet project"


def test_project_ids_out_of_range_are_404(member):
    for path in ("/projects/99999999999999999999/discussion", "/projects/0/discussion",
                 "/projects/123/discussion"):
        assert member.get(path).status_code == 404


def test_an_open_page_learns_at_once_that_its_reader_no_longer_takes_part(app, member,
                                                                         member_id, project_id):
    with app.app_context():
        db.session.get(ProjectTeamMember, (project_id, member_id)).in_discussions = False
        db.session.commit()
    sent = member.post(f"/projects/{project_id}/discussion", htmx=True,
                       data={"body": "Still <b>here</b>?", "send_key": "k", "after": "0"})
    assert sent.status_code == 403
    assert (sent.headers["HX-Retarget"], sent.headers["HX-Reswap"],
            sent.headers["HX-Reselect"]) == ("#discussion", "outerHTML", "#discussion")
    assert "You no longer take part in this discussion." in words(one(sent, "[role=alert]"))
    assert one(sent, ".unsent").text() == "Still <b>here</b>?"
    assert not find(sent, "#discussion-form") and not find(sent, "#discussion-poll")
    polled = member.get(f"/projects/{project_id}/discussion/messages?after=0", htmx=True)
    assert polled.status_code == 403 and not find(polled, ".unsent")
    assert count(app, Message) == 0


def test_polling_brings_edits_and_deletions_of_messages_on_the_page(app, member, member_id,
                                                                   project_id, manager_id):
    add_member(app, project_id, manager_id)
    manager = sign_in(app, manager_id)
    first, second = add_messages(app, project_id, manager_id, "password=hunter2", "Typo hre")
    page = member.get(f"/projects/{project_id}/discussion")
    seen = attr(page, "#discussion-poll input[name=seen]", "value")
    url = f"/projects/{project_id}/discussion/messages?after={second}&seen={seen}"
    manager.post(f"/projects/{project_id}/discussion/{first}/delete", htmx=True)
    manager.post(f"/projects/{project_id}/discussion/{second}/edit", htmx=True,
                 data={"body": "Typo here"})
    polled = member.get(url, htmx=True)
    assert polled.status_code == 200
    replaced = find(polled, "li.message[hx-swap-oob]")
    assert [li.attributes["id"] for li in replaced] == [f"message-{first}", f"message-{second}"]
    assert "hunter2" not in polled.get_data(as_text=True)
    assert words(replaced[0]) .endswith("Message deleted")
    assert replaced[1].css_first(".message-body").text() == "Typo here"
    # The next poll asks from a little before this one: the same edits at most once more,
    # and nothing once that moment has passed.
    later = attr(polled, "#discussion-poll input[name=seen]", "value")
    assert later > seen
    with app.app_context():
        from datetime import timedelta
        for message in db.session.scalars(select(Message)):
            message.changed_at -= timedelta(minutes=1)
        db.session.commit()
    assert member.get(f"/projects/{project_id}/discussion/messages?after={second}&seen={later}",
                      htmx=True).status_code == 204
    # A page that never said when it looked, or says nonsense, gets no edits (and no error).
    assert member.get(f"/projects/{project_id}/discussion/messages?after={second}&seen=x",
                      htmx=True).status_code == 204


def test_the_sidebar_counts_unread_messages_up_to_99(app, member, project_id, manager_id):
    add_member(app, project_id, manager_id)
    add_messages(app, project_id, manager_id, *[f"m{n}" for n in range(120)])
    badge = one(member.get("/discussions"), "nav.sidebar a[href='/discussions'] .badge")
    assert words(badge) == "99+ unread messages"
