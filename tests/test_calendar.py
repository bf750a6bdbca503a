"""The calendar: the month grid and its edges (a project over two months, a leap day, six
weeks, the week's first day by language), the week and the day, filters by client and staff
member, Previous/Next/Today as swaps whose URL follows, bad dates as 400; each role, as a
page and as a fragment."""
from datetime import date, datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest

from clientapp.clients.models import Client
from clientapp.extensions import db
from clientapp.projects.models import Assignment, Project
from clientapp.staff.models import StaffMember

from .conftest import assert_fragment, assert_page
from .factories import add_client
from .html import attr, find, one, text_of, texts, words


def add_project(app, name, start, end=None, client_id=None, archived=False) -> int:
    with app.app_context():
        client = db.session.get(Client, client_id) if client_id else None
        project = Project(name=name, client=client, start_date=start, end_date=end,
                          archived_at=datetime(2020, 1, 1, tzinfo=timezone.utc) if archived
                          else None)
        db.session.add(project)
        db.session.commit()
        return project.id


def day_cell(response, day: date):
    """The grid's cell of `day` (found by its day link's URL)."""
    for cell in find(response, "table.calendar-grid td"):
        args = parse_qs(urlsplit(cell.css_first("a.day-link").attributes["href"]).query)
        if (args["year"], args["month"], args["day"]) == \
                ([str(day.year)], [str(day.month)], [str(day.day)]):
            return cell
    raise AssertionError(f"no cell for {day}")


def chip_names(cell) -> list[str]:
    return [a.text() for a in cell.css(".chip-project")]


def grid_days(response) -> list[str]:
    return [words(a.css_first(".day-num")) for a in find(response, "a.day-link")]


ROLES = ("admin_client", "manager_client", "viewer_client")


@pytest.mark.parametrize("who", ROLES)
def test_month_page_and_fragment_for_each_role(app, who, request):
    browser = request.getfixturevalue(who)
    client_id = add_client(app, name="Acme")
    project_id = add_project(app, "Spring fair", date(2028, 3, 10), date(2028, 3, 11), client_id)
    page = browser.get("/calendar?year=2028&month=3")
    assert_page(page)
    assert texts(page, "h1") == ["Calendar"]
    assert one(page, "#calendar-title").text() == "March 2028"
    assert one(page, "nav.sidebar a[aria-current=page]").text() == "Calendar"
    for day in (10, 11):
        cell = day_cell(page, date(2028, 3, day))
        assert chip_names(cell) == ["Spring fair"]
        assert cell.css_first(".chip-project").attributes["href"] == f"/projects/{project_id}"
        assert cell.css_first(".chip-client").attributes["href"] == f"/clients/{client_id}"
        assert cell.css_first(".chip-client").text() == "Acme"
    assert chip_names(day_cell(page, date(2028, 3, 12))) == []

    fragment = browser.get("/calendar?year=2028&month=3", htmx=True)
    assert_fragment(fragment, "calendar")
    assert fragment.headers["HX-Push-Url"] == "/calendar?year=2028&month=3"
    assert chip_names(day_cell(fragment, date(2028, 3, 10))) == ["Spring fair"]


def test_grid_is_a_table_with_weekday_headers(app, admin_client):
    page = admin_client.get("/calendar?year=2028&month=3")
    headers = find(page, "table.calendar-grid thead th")
    assert [h.attributes["scope"] for h in headers] == ["col"] * 7
    # Full names for screen readers, short ones for the eye; English weeks start on Sunday.
    assert [h.css_first(".visually-hidden").text() for h in headers] == [
        "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
    assert one(page, "table.calendar-grid caption").text() == "March 2028"
    # Each day's link names the whole date; only one day is in the tab order.
    links = find(page, "a.day-link")
    assert [a.attributes["tabindex"] for a in links].count("0") == 1
    assert "Friday, March 10, 2028" in [words(a.css_first(".day-label")) for a in links]


def test_weeks_start_on_monday_in_french(app, admin_client):
    admin_client.post("/locale", data={"locale": "fr"})
    page = admin_client.get("/calendar?year=2028&month=3")
    headers = [h.css_first(".visually-hidden").text() for h in find(page, "thead th")]
    assert headers == ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
    assert one(page, "#calendar-title").text() == "Mars 2028"
    # March 2028 starts on a Wednesday: Monday 28 and Tuesday 29 February come first.
    assert grid_days(page)[:3] == ["28", "29", "1"]
    assert texts(page, "#calendar-previous, #calendar-today, #calendar-next") == \
        ["Précédent", "Aujourd’hui", "Suivant"]


def test_week_start_by_locale_in_english(app, admin_client):
    page = admin_client.get("/calendar?year=2028&month=3")
    # Sunday 27 February first.
    assert grid_days(page)[:4] == ["27", "28", "29", "1"]


def test_project_spanning_two_months_appears_in_both(app, admin_client):
    add_project(app, "New Year gala", date(2027, 12, 30), date(2028, 1, 2))
    december = admin_client.get("/calendar?year=2027&month=12")
    january = admin_client.get("/calendar?year=2028&month=1")
    for day in (date(2027, 12, 30), date(2027, 12, 31)):
        assert chip_names(day_cell(december, day)) == ["New Year gala"]
    # Shown on the days of the next month that close the last week, too.
    assert chip_names(day_cell(december, date(2028, 1, 1))) == ["New Year gala"]
    for day in (date(2027, 12, 31), date(2028, 1, 1), date(2028, 1, 2)):
        assert chip_names(day_cell(january, day)) == ["New Year gala"]
    assert chip_names(day_cell(january, date(2028, 1, 3))) == []
    february = admin_client.get("/calendar?year=2028&month=2")
    assert not find(february, ".chip")
    assert "No projects this month." in text_of(february)


def test_leap_day(app, admin_client):
    add_project(app, "Leap party", date(2028, 2, 29))
    page = admin_client.get("/calendar?year=2028&month=2")
    assert chip_names(day_cell(page, date(2028, 2, 29))) == ["Leap party"]
    assert chip_names(day_cell(page, date(2028, 3, 1))) == []
    day = admin_client.get("/calendar?view=day&year=2028&month=2&day=29")
    assert texts(day, "tbody th a") == ["Leap party"]
    assert admin_client.get("/calendar?view=day&year=2027&month=2&day=29").status_code == 400


def test_six_week_month_and_four_week_month(app, admin_client):
    # July 2028 starts on a Saturday and has 31 days: six weeks when weeks start on Sunday.
    july = admin_client.get("/calendar?year=2028&month=7")
    assert len(find(july, "table.calendar-grid tbody tr")) == 6
    assert len(find(july, "td.day-outside")) == 6 * 7 - 31
    # February 2026 starts on a Sunday and has 28 days: exactly four.
    february = admin_client.get("/calendar?year=2026&month=2")
    assert len(find(february, "table.calendar-grid tbody tr")) == 4
    assert not find(february, "td.day-outside")


def test_more_than_three_collapse_into_more(app, admin_client):
    for name in ("A1", "A2", "A3", "A4", "A5"):
        add_project(app, name, date(2028, 5, 10))
    page = admin_client.get("/calendar?year=2028&month=5")
    cell = day_cell(page, date(2028, 5, 10))
    assert chip_names(cell) == ["A1", "A2", "A3"]
    more = cell.css_first("a.chip-more")
    assert words(more).startswith("+2 more")
    assert more.attributes["href"] == "/calendar?view=day&year=2028&month=5&day=10"
    assert more.attributes["hx-push-url"] == "true"
    day = admin_client.get(more.attributes["href"], htmx=True)
    assert_fragment(day, "calendar")
    assert texts(day, "tbody th a") == ["A1", "A2", "A3", "A4", "A5"]
    assert "5 projects on this day" in text_of(day)


def test_archived_and_undated_projects_are_left_out(app, admin_client):
    add_project(app, "Shelved", date(2028, 5, 10), archived=True)
    add_project(app, "Someday", None)
    add_project(app, "Shown", date(2028, 5, 10))
    page = admin_client.get("/calendar?year=2028&month=5")
    assert [a.text() for a in find(page, ".chip-project")] == ["Shown"]


def test_markup_in_names_shows_as_text(app, admin_client):
    client_id = add_client(app, name="<i>Acme</i>")
    add_project(app, '<script>alert("x")</script>', date(2028, 5, 10), client_id=client_id)
    response = admin_client.get("/calendar?year=2028&month=5")
    body = response.get_data(as_text=True)
    assert "<script>alert" not in body and "<i>Acme" not in body
    cell = day_cell(response, date(2028, 5, 10))
    chip = cell.css_first(".chip-project")
    assert chip.text() == '<script>alert("x")</script>'
    assert chip.attributes["title"] == '<script>alert("x")</script> · <i>Acme</i>'
    assert cell.css_first(".chip-client").attributes["title"] == "<i>Acme</i>"


def test_previous_next_today_and_views(app, admin_client):
    page = admin_client.get("/calendar?year=2028&month=1&client=3")
    previous, today, following = (one(page, f"#calendar-{name}")
                                  for name in ("previous", "today", "next"))
    assert previous.attributes["href"] == "/calendar?year=2027&month=12&client=3"
    assert following.attributes["href"] == "/calendar?year=2028&month=2&client=3"
    assert today.attributes["href"] == "/calendar?client=3"
    for link in (previous, today, following):
        assert link.attributes["hx-get"] == link.attributes["href"]
        assert link.attributes["hx-target"] == "#calendar"
        assert link.attributes["hx-push-url"] == "true"
    week = one(page, "#calendar-view-week").attributes["href"]
    assert week == "/calendar?view=week&year=2028&month=1&day=1&client=3"
    assert one(page, "#calendar-view-month").attributes["aria-current"] == "page"
    # Today: the month that holds today where the user is.
    now = admin_client.get("/calendar")
    current = datetime.now(timezone.utc).date()
    assert one(now, "td.day-today a.day-link").attributes["aria-current"] == "date"
    assert one(now, "td.day-today a.day-link").attributes["tabindex"] == "0"
    assert one(now, "#calendar-title").text() == current.strftime("%B %Y")


def test_today_follows_the_time_zone(make_app):
    from .conftest import make_user, sign_in

    app = make_app(BABEL_DEFAULT_TIMEZONE="Pacific/Kiritimati")
    browser = sign_in(app, make_user(app, "viewer"))
    there = datetime.now(timezone(timedelta(hours=14))).date()
    page = browser.get("/calendar")
    assert one(page, "td.day-today a.day-link").attributes["href"].endswith(
        f"year={there.year}&month={there.month}&day={there.day}")


def test_week_view(app, viewer_client):
    add_project(app, "Tuesday thing", date(2028, 3, 7))
    add_project(app, "Next week", date(2028, 3, 12))
    for n in range(14):
        add_project(app, f"Busy {n:02d}", date(2028, 3, 9))
    page = viewer_client.get("/calendar?view=week&year=2028&month=3&day=8")
    assert_page(page)
    assert one(page, "#calendar-title").text() == "Week of Sunday, March 5, 2028"
    assert grid_days(page) == ["5", "6", "7", "8", "9", "10", "11"]
    assert chip_names(day_cell(page, date(2028, 3, 7))) == ["Tuesday thing"]
    busy = day_cell(page, date(2028, 3, 9))
    assert len(chip_names(busy)) == 12 and words(busy.css_first(".chip-more")).startswith("+2")
    assert "Next week" not in text_of(page)
    assert one(page, "#calendar-view-week").attributes["aria-current"] == "page"
    assert one(page, "#calendar-next").attributes["href"] == \
        "/calendar?view=week&year=2028&month=3&day=15"
    assert one(page, "a.day-link[tabindex='0']").attributes["href"].endswith("day=8")
    fragment = viewer_client.get("/calendar?view=week&year=2028&month=3&day=8", htmx=True)
    assert_fragment(fragment, "calendar")


@pytest.mark.parametrize("who", ROLES)
def test_day_view_page_and_fragment(app, who, request):
    browser = request.getfixturevalue(who)
    client_id = add_client(app, name="Acme")
    add_project(app, "Gala", date(2028, 6, 1), date(2028, 6, 3), client_id)
    page = browser.get("/calendar?view=day&year=2028&month=6&day=2")
    assert_page(page)
    assert one(page, "#calendar-title").text() == "Friday, June 2, 2028"
    assert texts(page, "tbody td a") == ["Acme"]
    assert texts(page, "tbody .badge") == ["Upcoming"]
    assert_fragment(browser.get("/calendar?view=day&year=2028&month=6&day=2", htmx=True),
                    "calendar")
    empty = browser.get("/calendar?view=day&year=2028&month=6&day=9")
    assert "No projects on this day." in text_of(empty)


def test_filters_by_client_and_staff_member(app, admin_client):
    acme = add_client(app, name="Acme")
    globex = add_client(app, name="Globex")
    a = add_project(app, "Acme show", date(2028, 4, 5), client_id=acme)
    add_project(app, "Globex show", date(2028, 4, 5), client_id=globex)
    with app.app_context():
        sam = StaffMember(name="Sam")
        gone = StaffMember(name="Gone", active=False)
        db.session.add_all([sam, gone])
        db.session.flush()
        db.session.add(Assignment(project_id=a, staff_id=sam.id))
        db.session.commit()
        sam_id, gone_id = sam.id, gone.id
    everyone = admin_client.get("/calendar?year=2028&month=4")
    assert chip_names(day_cell(everyone, date(2028, 4, 5))) == ["Acme show", "Globex show"]
    assert texts(everyone, "#calendar-client option") == ["All clients", "Acme", "Globex"]
    assert texts(everyone, "#calendar-staff option") == ["All staff", "Sam"]
    by_client = admin_client.get(f"/calendar?year=2028&month=4&client={globex}", htmx=True)
    assert chip_names(day_cell(by_client, date(2028, 4, 5))) == ["Globex show"]
    assert attr(by_client, "#calendar-client option[selected]", "value") == str(globex)
    by_staff = admin_client.get(f"/calendar?year=2028&month=4&staff={sam_id}")
    assert chip_names(day_cell(by_staff, date(2028, 4, 5))) == ["Acme show"]
    # An inactive staff member chosen in the URL is still offered (selected).
    by_gone = admin_client.get(f"/calendar?year=2028&month=4&staff={gone_id}")
    assert texts(by_gone, "#calendar-staff option[selected]") == ["Gone"]
    assert not find(by_gone, ".chip")
    # The filter form keeps the view and the month.
    hidden = {i.attributes["name"]: i.attributes["value"]
              for i in find(by_staff, ".calendar-filters input[type=hidden]")}
    assert hidden == {"year": "2028", "month": "4"}
    # A client or staff member that does not exist shows nothing; not an id is a 400.
    assert not find(admin_client.get("/calendar?year=2028&month=4&client=999"), ".chip")
    assert admin_client.get("/calendar?client=abc").status_code == 400
    assert admin_client.get("/calendar?staff=2147483648").status_code == 400


def test_client_filter_offers_any_active_client_and_finds_them(app, admin_client):
    acme = add_client(app, name="Acme")
    add_client(app, name="Café Élysée")  # no project this month: still offered
    gone = add_client(app, name="Gone Corp")
    add_project(app, "Acme show", date(2028, 4, 5), client_id=acme)
    add_project(app, "Gone show", date(2028, 4, 6), client_id=gone)
    with app.app_context():
        db.session.get(Client, gone).archived_at = datetime.now(timezone.utc)
        db.session.commit()
    page = admin_client.get("/calendar?year=2028&month=4")
    assert texts(page, "#calendar-client option") == ["All clients", "Acme", "Café Élysée"]
    assert attr(page, "#calendar-client-find", "name") == "client_q"
    # The same "Find a client" as the projects list: its options, for what is typed.
    find_url = attr(page, "#calendar-client-find", "hx-get")
    found = admin_client.get(find_url + "&client_q=elysee&client=", htmx=True)
    assert texts(found, "option") == ["All clients", "Café Élysée"]
    # Without JavaScript "Find a client" goes with the form (Show): the choices narrow.
    narrowed = admin_client.get("/calendar?year=2028&month=4&client_q=acm")
    assert texts(narrowed, "#calendar-client option") == ["All clients", "Acme"]
    # An archived client named in the URL stays selected (and its projects shown).
    chosen = admin_client.get(f"/calendar?year=2028&month=4&client={gone}", htmx=True)
    assert texts(chosen, "#calendar-client option[selected]") == ["Gone Corp (Archived)"]
    assert chip_names(day_cell(chosen, date(2028, 4, 6))) == ["Gone show"]
    assert not chip_names(day_cell(chosen, date(2028, 4, 5)))


@pytest.mark.parametrize("query", [
    "month=13", "month=0", "month=-1", "year=99999", "year=1899", "year=2201", "year=abc",
    "month=x&year=2028", "year=2028&month=2&day=30", "year=2028&month=4&day=31",
    "view=day&year=2028&month=1&day=32", "view=year", "month=%00", "year=%EF%BC%92%EF%BC%90",
    "year=2028.5", "year=1e3",
])
def test_bad_dates_are_400_not_500(admin_client, query):
    for htmx in (False, True):
        response = admin_client.get(f"/calendar?{query}", htmx=htmx)
        assert response.status_code == 400, query
        assert "not valid" in text_of(response)


def test_edges_of_the_years_shown(admin_client):
    first = admin_client.get("/calendar?year=1900&month=1")
    assert first.status_code == 200 and not find(first, "#calendar-previous")
    last = admin_client.get("/calendar?year=2200&month=12")
    assert last.status_code == 200 and not find(last, "#calendar-next")


def test_status_uses_today_in_the_configured_zone(make_app):
    from .conftest import make_user, sign_in

    app = make_app(BABEL_DEFAULT_TIMEZONE="Pacific/Kiritimati")
    browser = sign_in(app, make_user(app, "viewer"))
    there = datetime.now(timezone(timedelta(hours=14))).date()
    add_project(app, "Starts there today", there)
    page = browser.get(f"/calendar?view=day&year={there.year}&month={there.month}"
                       f"&day={there.day}")
    assert texts(page, "tbody .badge") == ["Ongoing"]


def test_calendar_index_migration_up_and_down(make_app, tmp_path):
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import inspect, text

    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/calendar.sqlite3")
    with app.app_context():
        upgrade(revision="0010")
        db.session.execute(text(
            "INSERT INTO projects (id, name, start_date, end_date, created_at, updated_at, "
            "version, name_key, search_text) VALUES (3, 'Fair', '2028-06-01', '2028-06-03', "
            "'2026-01-01', '2026-01-01', 1, 'fair', 'fair')"))
        db.session.commit()

        def indexes():
            return {i["name"] for i in inspect(db.engine).get_indexes("projects")}

        assert "ix_projects_calendar" not in indexes()
        upgrade(revision="0011")
        assert "ix_projects_calendar" in indexes()
        from clientapp.calendar import grid

        days = grid.days_between(date(2028, 6, 1), date(2028, 6, 7))
        assert [d.total for d in days] == [1, 1, 1, 0, 0, 0, 0]
        downgrade(revision="0010")
        assert "ix_projects_calendar" not in indexes()
        assert db.session.execute(text("SELECT name FROM projects")).scalar() == "Fair"
        db.session.remove()
        db.engine.dispose()


def test_a_month_opened_on_a_day_puts_that_day_in_the_tab_order(app, viewer_client):
    """What the arrow keys past the grid's edge and PageUp/PageDown ask for: the month,
    with the day they reached as the one focusable day; the URL pushed names the month."""
    response = viewer_client.get("/calendar?year=2030&month=12&day=7&client=4", htmx=True)
    focusable = [a.attributes["data-day"] for a in find(response, "a.day-link[tabindex='0']")]
    assert focusable == ["2030-12-07"]
    assert response.headers["HX-Push-Url"] == "/calendar?year=2030&month=12&client=4"
    grid = one(response, "table[data-calendar-grid]")
    assert grid.attributes["data-calendar-url"] == "/calendar?client=4"
    week = viewer_client.get("/calendar?view=week&year=2030&month=12&day=7")
    assert attr(week, "table[data-calendar-grid]", "data-calendar-url") == "/calendar?view=week"
    # Without a day, the month's first day (or today) as before.
    plain = viewer_client.get("/calendar?year=2030&month=12")
    assert [a.attributes["data-day"] for a in find(plain, "a.day-link[tabindex='0']")] \
        == ["2030-12-01"]
