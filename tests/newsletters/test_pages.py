"""What readers and editors see: the sign-up form on articles, the archive and web version of
sent issues (also in the static copy), censorship mode's links, and the admin's send page."""

from __future__ import annotations

import pytest

from tamizdat.mirror import export
from tamizdat.mirror.models import Address
from tamizdat.newsletters import links
from tamizdat.newsletters.models import Issue, Subscriber
from tests.html_checker import html_problems, needs_java
from tests.newsletters.conftest import issue_of, links_in, subscribe

pytestmark = pytest.mark.django_db

ARTICLE = "/en/politics/parliament-dissolved/"


def test_the_article_carries_the_same_sign_up_form_for_everyone(site, newsletter, client):
    first = client.get(ARTICLE)
    assert first.status_code == 200
    page = first.content.decode()
    assert 'action="/en/newsletters/subscribe/"' in page
    assert "The Morning Courier" in page
    assert "csrfmiddlewaretoken" not in page
    assert "public" in first["Cache-Control"]
    assert client.get(ARTICLE).content == first.content
    russian = client.get("/ru/politics/parliament-dissolved/").content.decode()
    assert "The Morning Courier" not in russian  # only the page's language's newsletters


def test_the_newsletters_page_per_language(site, newsletter, newsletter_ru, client):
    english = client.get("/en/newsletters/")
    assert english.status_code == 200
    assert b"The Morning Courier" in english.content
    assert "Утренний курьер".encode() not in english.content
    russian = client.get("/ru/newsletters/").content.decode()
    assert "Утренний курьер" in russian and "Подписаться" in russian


def test_sent_issues_have_a_web_version_in_an_archive(site, newsletter, smtp, start, client):
    subscribe(newsletter, "a@example.org")
    issue = issue_of(newsletter, site)
    draft = issue_of(newsletter, site, subject="Not yet")
    start(issue)
    archive = client.get("/en/newsletters/morning/")
    assert archive.status_code == 200
    assert b"Today" in archive.content and b"Not yet" not in archive.content
    page = client.get(f"/en/newsletters/morning/{issue.pk}/")
    assert page.status_code == 200
    assert b"Parliament dissolved" in page.content
    assert b'href="/en/politics/parliament-dissolved/"' in page.content
    assert client.get(f"/en/newsletters/morning/{draft.pk}/").status_code == 404
    assert client.get(f"/ru/newsletters/morning/{issue.pk}/").status_code == 404


@pytest.mark.scenario
def test_the_static_copy_includes_the_archive(site, newsletter, smtp, start, tmp_path, settings):
    settings.MIRROR_GIVING_URL = "https://give.example.org"
    subscribe(newsletter, "a@example.org")
    issue = issue_of(newsletter, site)
    start(issue)
    export.export(tmp_path / "copy")
    archive = (tmp_path / "copy/en/newsletters/morning/index.html").read_text()
    assert "Today" in archive
    web_version = (tmp_path / f"copy/en/newsletters/morning/{issue.pk}/index.html").read_text()
    assert "Parliament dissolved" in web_version
    signup = (tmp_path / "copy/en/newsletters/index.html").read_text()
    assert 'action="https://give.example.org/en/newsletters/subscribe/"' in signup
    # An issue sent after the copy was made is in the next one, made incrementally.
    later = issue_of(newsletter, site, subject="Later")
    start(later)
    export.export(tmp_path / "copy")
    assert (tmp_path / f"copy/en/newsletters/morning/{later.pk}/index.html").exists()


def test_censorship_mode_links_follow_the_mirror_that_works(site, newsletter, smtp, start):
    first = Address.objects.create(url="https://first-mirror.example.net/", kind="mirror")
    Address.objects.create(url="https://second-mirror.example.net/", kind="mirror")
    Address.objects.create(url="http://courierxyz.onion/", kind="onion")
    newsletter.censorship_mode = newsletter.full_text = True
    newsletter.save()
    subscribe(newsletter, "a@example.org")
    start(issue_of(newsletter, site))
    [mail] = smtp.messages
    unsubscribe = str(mail["List-Unsubscribe"]).strip()[1:-1]
    # Unsubscribing stays on the live site, which mail providers reach when readers cannot.
    shown = {url for url in links_in(mail) if url != unsubscribe}
    assert all(
        url.startswith("https://first-mirror.example.net/")
        for url in shown
        - {
            "https://first-mirror.example.net/",
            "https://second-mirror.example.net/",
            "http://courierxyz.onion/",
        }
    ), shown
    assert {"https://second-mirror.example.net/", "http://courierxyz.onion/"} <= shown
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert "If our site is blocked where you are" in text
    assert "Body of Parliament dissolved." in text  # the article in full, to read offline

    first.state = Address.State.BLOCKED
    first.save()
    start(issue_of(newsletter, site, subject="Next"))
    shown = {url for url in links_in(smtp.messages[1]) if "/unsubscribe/" not in url}
    assert not any("first-mirror" in url for url in shown)
    assert "https://second-mirror.example.net/en/newsletters/morning/" in " ".join(shown)


@pytest.fixture
def editor(client, admin_user):
    admin_user.email = "editor@example.org"
    admin_user.save()
    client.force_login(admin_user)
    return client


def test_editors_preview_test_send_and_follow_progress(
    site, newsletter, smtp, editor, django_capture_on_commit_callbacks
):
    subscribe(newsletter, "a@example.org", "b@example.org")
    issue = issue_of(newsletter, site)
    send_page = f"/admin/newsletters/issues/{issue.pk}/send/"
    assert editor.get(send_page).status_code == 200
    preview = editor.get(f"/admin/newsletters/issues/{issue.pk}/preview/")
    assert preview.status_code == 200 and b"Parliament dissolved" in preview.content
    editor.post(send_page, {"action": "test"})
    assert [m["To"] for m in smtp.messages] == ["editor@example.org"]
    assert smtp.messages[0]["Subject"] == "[Test] Today"
    past = editor.post(send_page, {"action": "schedule", "at": "2001-01-01T10:00"}, follow=True)
    assert "The scheduled time has passed" in past.content.decode()
    assert Issue.objects.get(pk=issue.pk).state == "draft"
    with django_capture_on_commit_callbacks(execute=True):
        editor.post(send_page, {"action": "now"})
    page = editor.get(send_page).content.decode()
    assert '<td data-progress="sent">2</td>' in page
    assert '<td data-progress="waiting">0</td>' in page
    assert sorted(m["To"] for m in smtp.messages[1:]) == ["a@example.org", "b@example.org"]
    listing = editor.get("/admin/snippets/newsletters/issue/").content.decode()
    assert "2 sent, 0 waiting, 0 failed" in listing


def test_the_admin_in_russian_says_why_an_issue_cannot_go(site, newsletter, editor, admin_user):
    from wagtail.users.models import UserProfile

    profile = UserProfile.get_for_user(admin_user)
    profile.preferred_language = "ru"
    profile.save()
    empty = Issue.objects.create(newsletter=newsletter, subject="Empty")
    response = editor.post(
        f"/admin/newsletters/issues/{empty.pk}/send/", {"action": "now"}, follow=True
    )
    assert "В выпуске нет ни статей, ни вступления" in response.content.decode()


@needs_java
def test_the_readers_newsletter_pages_are_valid_html(
    site, newsletter, smtp, start, client, tmp_path
):
    subscribe(newsletter, "a@example.org")
    issue = issue_of(newsletter, site)
    start(issue)
    subscriber = Subscriber.objects.get()
    pages = {
        "article": ARTICLE,
        "newsletters": "/en/newsletters/",
        "archive": "/en/newsletters/morning/",
        "issue": f"/en/newsletters/morning/{issue.pk}/",
        "preferences": links.unsubscribe_url(subscriber, newsletter).removeprefix(
            "http://testserver"
        ),
    }
    problems = html_problems(client, pages, tmp_path)
    assert problems == [], "\n".join(problems)


def test_an_issue_that_went_out_is_shown_but_not_changed_in_the_admin(
    site, newsletter, smtp, start, editor
):
    subscribe(newsletter, "a@example.org")
    issue = issue_of(newsletter, site)
    edit = f"/admin/snippets/newsletters/issue/edit/{issue.pk}/"
    changed = {
        "newsletter": newsletter.pk,
        "subject": "Changed",
        "introduction": "Hello again.",
        "article_choice": "chosen",
        "articles": [a.pk for a in issue.articles.all()],
        "appeal_text": "",
    }
    # A draft can still change.
    assert editor.post(edit, changed).status_code == 302
    assert Issue.objects.get(pk=issue.pk).subject == "Changed"
    start(Issue.objects.get(pk=issue.pk))
    web_version = f"/en/newsletters/morning/{issue.pk}/"
    before = editor.get(web_version).content
    shown = editor.get(edit).content.decode()
    assert "This issue has gone out to readers" in shown
    assert 'value="Changed"' in shown
    refused = editor.post(edit, {**changed, "subject": "Rewritten after sending"})
    assert refused.status_code == 200
    assert "This issue has gone out to readers" in refused.content.decode()
    assert Issue.objects.get(pk=issue.pk).subject == "Changed"
    assert editor.get(web_version).content == before
