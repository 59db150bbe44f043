"""The copy's pages: references made relative where HTML holds them, and nowhere else."""

from __future__ import annotations

import pytest

from tamizdat.mirror.rewrite import Insertions, rewrite_html

pytestmark = pytest.mark.engine_neutral


def resolve(reference: str) -> str:
    return f"copy:{reference}"


def test_references_change_only_in_attributes_that_hold_them():
    html = (
        '<html><head><script type="application/ld+json">{"a": "<a href=\'/x/\'>"}</script>'
        '</head><body><a href="/en/?page=2&amp;x=1" class="a">Next</a>'
        '<img src="/media/a.jpg" srcset="/media/a.jpg 1x, /media/b.jpg 2x" alt="/not/">'
        "<p>/en/ in text</p><!-- <a href='/comment/'> --></body></html>"
    )
    result = rewrite_html(html, resolve, Insertions())
    assert '<a href="copy:/en/?page=2&amp;x=1" class="a">' in result.html
    assert 'src="copy:/media/a.jpg"' in result.html
    assert 'srcset="copy:/media/a.jpg 1x, copy:/media/b.jpg 2x" alt="/not/"' in result.html
    # A script's text, the page's text and comments are no references.
    assert '{"a": "<a href=\'/x/\'>"}' in result.html
    assert "<p>/en/ in text</p><!-- <a href='/comment/'> -->" in result.html


def test_omitted_elements_go_with_their_contents_and_insertions_land_in_place():
    html = (
        "<html><head><title>T</title></head><body><main>"
        '<div class="goal-meter"><div>$6,420</div><div>of $10,000</div></div><p>kept</p>'
        '<form class="contribution" action="/en/support/contribute/"><input name="a"></form>'
        '<section class="read-more"><a href="/en/one/">One</a><a href="/en/two/">Two</a>'
        '</section><a href="/en/three/">Three</a></main></body></html>'
    )
    insertions = Insertions(
        head_start="<meta policy>",
        head_end="<link copy>",
        before_main="<aside notice>",
        form_replacement="<p>no gifts here</p>",
        after_form="<p>bank</p>",
        omit_classes=frozenset({"goal-meter"}),
    )
    result = rewrite_html(html, resolve, insertions)
    assert result.html.startswith("<html><head><meta policy><title>T</title><link copy></head>")
    assert "<aside notice><main>" in result.html
    assert "$6,420" not in result.html and "of $10,000" not in result.html
    assert "<main><p>kept</p><p>no gifts here</p><p>bank</p><section" in result.html
    assert "contribute" not in result.html
    assert result.read_more == ["/en/one/", "/en/two/"]
