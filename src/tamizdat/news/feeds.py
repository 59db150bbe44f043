"""RSS 2.0 feeds of a language's whole site or one section."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.utils.feedgenerator import Rss201rev2Feed

from tamizdat.web.addresses import absolute_url

from .listings import with_sections

FEED_LENGTH = 30


class ArticleFeed(Feed):
    feed_type = Rss201rev2Feed

    def __init__(self, page: Any, articles: Any) -> None:
        super().__init__()
        self.page = page
        self.articles = articles

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        self.request = request
        return self.page

    def title(self, page: Any) -> str:
        return page.title

    def link(self, page: Any) -> str:
        return absolute_url(page.get_url(self.request))

    def feed_url(self, page: Any) -> str:
        return absolute_url(self.request.path)

    def description(self, page: Any) -> str:
        return getattr(page, "intro", "") or getattr(page, "tagline", "") or page.title

    def items(self, page: Any) -> list[Any]:
        # Bylines and tags of all the items in two queries, not two per item.
        articles = self.articles.order_by("-first_published_at").prefetch_related(
            "article_authors__author", "tags"
        )
        return with_sections(articles[:FEED_LENGTH])

    def item_title(self, article: Any) -> str:
        return article.title

    def item_description(self, article: Any) -> str:
        return article.standfirst

    def item_link(self, article: Any) -> str:
        return absolute_url(article.get_url(self.request))

    def item_pubdate(self, article: Any) -> datetime:
        return article.first_published_at

    def item_updateddate(self, article: Any) -> datetime:
        return article.updated_at or article.last_published_at

    def item_author_name(self, article: Any) -> str:
        return ", ".join(author.name for author in article.authors)

    def item_categories(self, article: Any) -> list[str]:
        return [article.section.title, *(tag.name for tag in article.tags.all())]
