"""Media the uploads folder lacks, downloaded from the old site: a real HTTP server on loopback
serves a folder as the old site would, and misbehaves the ways old sites do (missing files,
a login page instead of a file, an enormous file, a server too slow to answer)."""

import io
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import call_command
from PIL import Image

from tamizdat.archive.models import ImportedItem
from tamizdat.news.models import ArticlePage, Photo
from tests.archive.test_wordpress import EXPORT

pytestmark = pytest.mark.django_db

DOCKERS = "/wp-content/uploads/2024/03/dockers.jpg"
MARKET = "/wp-content/uploads/2019/07/market.jpg"


class OldSite(SimpleHTTPRequestHandler):
    """The folder's files; a path in `server.pages` answers a web page instead, one in
    `server.slow` only after a long wait, one in `server.broken` a server error, one in
    `server.busy` "too many requests"."""

    def do_GET(self) -> None:
        self.server.requests.append(self.path)
        if self.path in self.server.broken:
            self.send_error(503)
            return
        if self.path in self.server.busy:
            self.send_error(429)
            return
        if self.path in self.server.slow:
            time.sleep(3)
        if self.path in self.server.pages:
            page = b"<html><body>Log in to see this file</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)
            return
        super().do_GET()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def old_site(tmp_path):
    root = tmp_path / "old-site"
    for path in (DOCKERS, MARKET):
        (root / path.lstrip("/")).parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (1200, 800), (30, 60, 90)).save(root / path.lstrip("/"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(OldSite, directory=str(root)))
    server.daemon_threads = True
    # A download given up on closes the connection while the file is being sent.
    server.handle_error = lambda request, address: None
    server.requests, server.pages = [], set()
    server.slow, server.broken, server.busy = set(), set(), set()
    server.root = root
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def run_import(old_site, *options, export=EXPORT, out=None):
    """The import's report (also written into `out`, for a run that ends in an error)."""
    out = out or io.StringIO()
    call_command(
        "import",
        "wordpress",
        str(export),
        "--download-from",
        old_site.url,
        *options,
        stdout=out,
        stderr=io.StringIO(),
    )
    return out.getvalue()


def test_the_old_sites_files_are_downloaded_once(site, old_site):
    report = run_import(old_site)
    assert "Articles: 4 new, 0 updated, 0 unchanged" in report
    strike = ArticlePage.objects.get(slug="harbour-strike")
    assert strike.lead_image.caption == "Dockers at the north gate, 5 a.m."
    assert (strike.lead_image.width, strike.lead_image.height) == (1200, 800)
    assert strike.body[3].value["image"] == strike.lead_image
    festival = ArticlePage.objects.get(slug="festival")
    assert festival.body[1].value["image"].file.name.endswith(".jpg")
    assert (
        "image not found: https://courier.example.org/wp-content/uploads/2024/02/lost.jpg "
        "(the old site answered 404)"
    ) in report
    assert sorted(set(old_site.requests)) == sorted(
        {DOCKERS, MARKET, "/wp-content/uploads/2024/02/lost.jpg"}
    )

    photos = Photo.objects.count()
    asked = len(old_site.requests)
    assert "Articles: 0 new, 0 updated, 4 unchanged" in run_import(old_site)
    assert (Photo.objects.count(), len(old_site.requests)) == (photos, asked)


def test_what_is_not_a_file_or_too_large_is_reported_and_left_out(site, old_site):
    old_site.pages.add(MARKET)  # a login page where the image was
    Image.new("RGB", (1000, 1000)).save(old_site.root / DOCKERS.lstrip("/"), format="BMP")
    lost = old_site.root / "wp-content/uploads/2024/02/lost.jpg"
    lost.parent.mkdir(parents=True)
    lost.write_bytes(b"not a JPEG at all")
    photos = Photo.objects.count()
    report = run_import(old_site, "--download-max-mb", "1")
    assert "Articles: 4 new" in report
    for line in (
        "post 13 “Festival returns to the old fish market”: image not found: "
        "https://courier.example.org/wp-content/uploads/2019/07/market.jpg (not an image "
        "(text/html))",
        "post 11 “Harbour strike enters its second week”: featured image 10 not found "
        "(larger than 1,048,576 bytes)",
        "image not found: https://courier.example.org/wp-content/uploads/2024/02/lost.jpg "
        "(not an image the site can read)",
    ):
        assert line in report
    assert Photo.objects.count() == photos
    assert ArticlePage.objects.get(slug="harbour-strike").lead_image is None


@pytest.mark.parametrize(
    ("trouble", "said"),
    [
        ("slow", "timed out after 0.5 s"),
        ("broken", "the old site answered 503"),
        ("busy", "the old site answered 429"),
    ],
)
def test_a_post_whose_image_did_not_come_waits_whole_for_the_next_run(
    site, old_site, trouble, said
):
    getattr(old_site, trouble).add(DOCKERS)
    out = io.StringIO()
    with pytest.raises(SystemExit):
        run_import(old_site, "--download-timeout", "0.5", out=out)
    report = out.getvalue()
    assert "Failed (1):" in report
    assert (
        "post 11 “Harbour strike enters its second week”: could not download "
        f"{old_site.url}{DOCKERS}: {said}; run it again"
    ) in report
    # No half article: the post is not there, nor recorded as imported.
    assert not ArticlePage.objects.filter(slug="harbour-strike").exists()
    assert not ImportedItem.objects.filter(kind="post", key="11").exists()
    assert ArticlePage.objects.filter(slug="festival").exists()

    getattr(old_site, trouble).clear()
    report = run_import(old_site)
    assert "Articles: 1 new, 0 updated, 3 unchanged" in report
    assert ArticlePage.objects.get(slug="harbour-strike").lead_image.caption == (
        "Dockers at the north gate, 5 a.m."
    )


def test_a_linked_document_is_downloaded_and_a_web_page_in_its_place_is_not(
    client, site, old_site, tmp_path
):
    from wagtail.documents.models import Document

    report_pdf = old_site.root / "wp-content/uploads/2024/03/report.pdf"
    report_pdf.write_bytes(b"%PDF-1.4\n% the annual report\n")
    old_site.pages.add("/wp-content/uploads/2024/03/members.pdf")
    export = tmp_path / "documents.xml"
    export.write_text(
        EXPORT.read_text().replace(
            "<!-- wp:list -->",
            '<p><a href="https://courier.example.org/wp-content/uploads/2024/03/report.pdf">The '
            'report</a>, <a href="/wp-content/uploads/2024/03/members.pdf">the list</a>.</p>\n\n'
            "<!-- wp:list -->",
            1,
        )
    )
    report = run_import(old_site, export=export)
    document = Document.objects.get()
    strike = ArticlePage.objects.get(slug="harbour-strike")
    assert f'<a href="{document.url}">The report</a>' in strike.body[-2].value.source
    assert client.get(document.url).status_code == 200
    assert (
        "post 11 “Harbour strike enters its second week”: linked file not found: "
        "/wp-content/uploads/2024/03/members.pdf (a web page, not a file)"
    ) in report
