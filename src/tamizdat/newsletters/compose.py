"""An issue as a mail (HTML and plain text, in the newsletter's language) and as a web page.

An issue is rendered once; each recipient's copy differs only in its unsubscribe address,
put in place of a marker, so a list of a hundred thousand costs one rendering. Every link is
first-party: the site, or in censorship mode the mirror that works today. No images are needed
to read it (the full text keeps the article's photos, first-party too) and nothing counts opens.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from email.headerregistry import Address as MailAddress
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from tamizdat.mirror import mirrorlist
from tamizdat.mirror.models import Address
from tamizdat.mirror.rewrite import Insertions, rewrite_html
from tamizdat.news.context import newsroom_name
from tamizdat.news.models import ArticlePage
from tamizdat.prompts import goal
from tamizdat.support import money

from . import links
from .models import Issue, Newsletter, Subscriber

UNSUBSCRIBE_MARKER = "TAMIZDAT-UNSUBSCRIBE-ADDRESS"
# The order in which a censored newsletter's links pick an address: a mirror on a domain of
# its own first, then a copy on an object store, then the onion.
WAY_IN_ORDER = (Address.Kind.MIRROR, Address.Kind.OBJECT_STORE, Address.Kind.ONION)
PERIODS = {
    Issue.Articles.DAY: datetime.timedelta(days=1),
    Issue.Articles.WEEK: datetime.timedelta(days=7),
}
MOST_ARTICLES = 30


def automatic_articles(issue: Issue, now: datetime.datetime | None = None) -> list[ArticlePage]:
    """The day's or the week's live articles in the newsletter's language, newest first."""
    since = (now or timezone.now()) - PERIODS[Issue.Articles(issue.article_choice)]
    articles = (
        ArticlePage.objects.live()
        .public()
        .filter(locale__language_code=issue.newsletter.language, first_published_at__gte=since)
    )
    return list(articles.order_by("-first_published_at")[:MOST_ARTICLES])


def articles_of(issue: Issue) -> list[ArticlePage]:
    """What the issue shows: those chosen (for an automatic issue being sent, those filled in
    when sending began), or, for an automatic draft, what it would get now."""
    if issue.article_choice == Issue.Articles.CHOSEN or issue.started_at:
        chosen = ArticlePage.objects.live().filter(pk__in=[a.pk for a in issue.articles.all()])
        return list(chosen.order_by("-first_published_at"))
    return automatic_articles(issue)


def ways_in() -> list[Address]:
    """The active addresses other than the main site, in the order links prefer them."""
    addresses = [a for a in mirrorlist.active() if a.kind in WAY_IN_ORDER]
    return sorted(addresses, key=lambda a: WAY_IN_ORDER.index(Address.Kind(a.kind)))


def link_base(newsletter: Newsletter) -> str:
    """Where the mail's links lead: the main site, or the first active way in."""
    if newsletter.censorship_mode:
        for address in ways_in():
            return address.url.rstrip("/")
    return settings.BASE_URL


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def _path(page: ArticlePage) -> str:
    return urlsplit(page.get_url() or "/").path


def _full_text(article: ArticlePage, base: str) -> str:
    """The article's body with every address made absolute on `base`."""

    def absolute(reference: str) -> str:
        return base + reference if reference.startswith("/") else reference

    return rewrite_html(str(article.body), absolute, Insertions()).html


def _appeal(issue: Issue, base: str) -> dict[str, Any] | None:
    if not issue.appeal:
        return None
    language = issue.newsletter.language
    progress = goal.current()
    return {
        "text": issue.appeal_text,
        "url": base + reverse("support:page"),
        "raised": money.format_whole(progress.raised, progress.currency, language)
        if progress
        else None,
        "goal": money.format_whole(progress.goal, progress.currency, language)
        if progress
        else None,
    }


def context(issue: Issue, base: str, for_mail: bool) -> dict[str, Any]:
    newsletter = issue.newsletter
    full = newsletter.full_text
    articles = [
        {
            "title": article.title,
            "standfirst": article.standfirst,
            "url": base + _path(article),
            "published": article.first_published_at,
            "body": _full_text(article, base) if full else "",
        }
        for article in articles_of(issue)
    ]
    return {
        "issue": issue,
        "newsletter": newsletter,
        "site_name": newsroom_name(newsletter.language),
        "site_url": base + reverse("wagtail_serve", args=[""]),
        "articles": articles,
        "appeal": _appeal(issue, base),
        "ways_in": ways_in() if newsletter.censorship_mode else [],
        "web_url": base + reverse("newsletters:issue", args=[newsletter.slug, issue.pk]),
        "unsubscribe_url": UNSUBSCRIBE_MARKER if for_mail else "",
        "newsroom_address": settings.NEWSROOM_ADDRESS,
    }


def render(issue: Issue) -> Rendered:
    with translation.override(issue.newsletter.language):
        values = context(issue, link_base(issue.newsletter), for_mail=True)
        return Rendered(
            subject=" ".join(issue.subject.splitlines()).strip(),
            text=render_to_string("newsletters/email/issue.txt", values),
            html=render_to_string("newsletters/email/issue.html", values),
        )


def sender(newsletter: Newsletter) -> str:
    address = newsletter.sender or settings.DEFAULT_FROM_EMAIL
    if newsletter.sender_name:
        username, _, domain = address.rpartition("@")
        return str(MailAddress(newsletter.sender_name, username, domain))
    return address


def message(
    rendered: Rendered, issue: Issue, subscriber: Subscriber, connection: Any = None
) -> EmailMultiAlternatives:
    """One recipient's copy, with the RFC 8058 headers and a Message-ID that is the same for
    every copy of it: one sent again after a crash is recognisably the same message."""
    unsubscribe = links.unsubscribe_url(subscriber, issue.newsletter)
    return copy(rendered, issue, subscriber.email, str(subscriber.pk), unsubscribe, connection)


def copy(
    rendered: Rendered,
    issue: Issue,
    email: str,
    key: str,
    unsubscribe: str,
    connection: Any = None,
    headers: dict[str, str] | None = None,
) -> EmailMultiAlternatives:
    """The copy for `email`, `key` naming its recipient in the Message-ID (a subscriber's pk;
    `mime` passes stand-ins for these)."""
    newsletter = issue.newsletter
    domain = (newsletter.sender or settings.DEFAULT_FROM_EMAIL).rpartition("@")[2]
    mail = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text.replace(UNSUBSCRIBE_MARKER, unsubscribe),
        from_email=sender(newsletter),
        to=[email],
        reply_to=[newsletter.reply_to] if newsletter.reply_to else None,
        headers={
            "Message-ID": f"<issue-{issue.pk}.{key}@{domain}>",
            "List-Id": f"{newsletter.name} <{newsletter.slug}.{domain}>",
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            **(headers or {}),
        },
        connection=connection,
    )
    html = rendered.html.replace(UNSUBSCRIBE_MARKER, escape(unsubscribe))
    mail.attach_alternative(html, "text/html")
    return mail
