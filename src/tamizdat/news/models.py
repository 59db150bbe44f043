"""Wagtail page types of the reading side: home, section and article, and authors (photos are
in `photos`).

Each language has its own page tree (Wagtail locales); translated pages share a translation key.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.functional import SimpleLazyObject, cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import Tag, TaggedItemBase
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path, re_path
from wagtail.fields import RichTextField, StreamField
from wagtail.images.models import AbstractRendition
from wagtail.models import Orderable, Page, PageViewRestriction, TranslatableMixin
from wagtail.search import index
from wagtail.snippets.models import register_snippet

from tamizdat.web.page_cache import cache_publicly

from . import players
from .blocks import ArticleBodyBlock
from .context import any_private_page, newsroom_name, shared
from .photos import (  # noqa: F401  (the photos' models are of this app, kept apart)
    BODY_PHOTO_SIZES,
    LEAD_PHOTO_SIZES,
    SHARE_IMAGE_SPEC,
    Photo,
    PhotoRendition,
)
from .routing import ChildRouting
from .translations import TranslationStatusPanel

# Prefetched with the photos of the pages a reader sees (one query, however many pages): the
# renditions Wagtail finds in its cache it stores there again on every lookup, pickling each
# with its photo; prefetched ones it only reads.
LEAD_RENDITIONS = "lead_image__renditions"


@register_snippet
class Author(TranslatableMixin, index.Indexed, models.Model):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200)
    role = models.CharField(_("role"), max_length=200, blank=True)
    bio = models.TextField(_("biography"), blank=True)
    photo = models.ForeignKey(
        Photo,
        verbose_name=_("photo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    panels = [FieldPanel("name"), FieldPanel("slug"), FieldPanel("role"), FieldPanel("bio")]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta(TranslatableMixin.Meta):
        verbose_name = _("author")
        verbose_name_plural = _("authors")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["locale", "slug"], name="unique_author_slug_per_locale")
        ]

    def __str__(self) -> str:
        return self.name


class PublicPageMixin:
    """Every reading page, routed sub-pages included, is cacheable by a CDN: it is identical
    for every anonymous reader."""

    def serve(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # Mixed into Wagtail's Page, whose serve() mypy cannot see from the mixin.
        return cache_publicly(super().serve(request, *args, **kwargs))  # type: ignore[misc]

    def get_view_restrictions(self) -> Any:
        # Wagtail checks the page and every ancestor on each request (two queries). A
        # newsroom's pages are public; while no page has a restriction, none is looked for.
        if not any_private_page():
            return PageViewRestriction.objects.none()
        return super().get_view_restrictions()  # type: ignore[misc]


class HomePage(PublicPageMixin, RoutablePageMixin, ChildRouting, Page):
    tagline: models.CharField[str, str] = models.CharField(_("tagline"), max_length=255, blank=True)
    notice = RichTextField(
        _("notice line"),
        blank=True,
        features=["bold", "italic", "link"],
        help_text=_("Shown under the header on every page, e.g. that the site is blocked."),
    )

    content_panels = [*Page.content_panels, FieldPanel("tagline"), FieldPanel("notice")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["news.SectionPage"]

    class Meta:
        verbose_name = _("home page")
        verbose_name_plural = _("home pages")

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        from .listings import front_page

        context = super().get_context(request, *args, **kwargs)
        match = getattr(request, "routable_resolver_match", None)
        if match is None or match.url_name == "index_route":
            # The same lists for every reader until the next publish; for the front page
            # itself, not for its tag, author or search pages.
            context.update(shared(f"front-page:{self.pk}", lambda: front_page(self)))
        context["description"] = (
            self.search_description
            or self.tagline
            or gettext("%(name)s is independent, ad-free and funded by its readers.")
            % {"name": self.title}
        )
        return context

    def get_cached_paths(self) -> list[str]:
        return ["/", "/feed/"]

    keeps_children = True

    def child_queryset(self) -> Any:
        return SectionPage.objects.all()

    @path("search/")
    def search(self, request: HttpRequest) -> HttpResponse:
        from .views import search

        return search(request, self)

    # Tags in Russian have Cyrillic slugs, which <slug:> would refuse.
    @re_path(r"^tags/(?P<slug>[\w-]+)/$")
    def tag(self, request: HttpRequest, slug: str) -> HttpResponse:
        from .listings import tagged_stories

        tag = get_object_or_404(Tag, slug=slug)
        stories = tagged_stories(tag, self.locale)
        if not stories.exists():
            raise Http404
        description = gettext("Articles tagged “%(tag)s” at %(name)s.") % {
            "tag": tag.name,
            "name": self.title,
        }
        return self.render_listing(
            request, "news/tag_page.html", stories, tag=tag, description=description
        )

    @path("authors/<slug:slug>/")
    def author(self, request: HttpRequest, slug: str) -> HttpResponse:
        from .listings import stories_by

        author = get_object_or_404(Author, locale=self.locale, slug=slug)
        description = author.bio or gettext("Articles by %(author)s at %(name)s.") % {
            "author": author.name,
            "name": self.title,
        }
        return self.render_listing(
            request,
            "news/author_page.html",
            stories_by(author, self.locale),
            author=author,
            description=description,
        )

    @path("feed/")
    def feed(self, request: HttpRequest) -> HttpResponse:
        from .feeds import ArticleFeed

        articles = ArticlePage.objects.live().filter(locale=self.locale)
        return ArticleFeed(self, articles)(request)

    def render_listing(
        self, request: HttpRequest, template: str, stories: Any, **context: Any
    ) -> HttpResponse:
        from .listings import listing_page

        return self.render(
            request,
            template=template,
            context_overrides={"articles": listing_page(request, stories), **context},
        )


class SectionPage(PublicPageMixin, RoutablePageMixin, ChildRouting, Page):
    intro: models.TextField[str, str] = models.TextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    # A new section appears in the site's navigation unless the editor says otherwise.
    show_in_menus_default = True
    parent_page_types = ["news.HomePage"]
    subpage_types = ["news.ArticlePage"]

    class Meta:
        verbose_name = _("section")
        verbose_name_plural = _("sections")

    def get_cached_paths(self) -> list[str]:
        return ["/", "/feed/"]

    def child_queryset(self) -> Any:
        return ArticlePage.objects.select_related("lead_image", "locale").prefetch_related(
            LEAD_RENDITIONS
        )

    @path("")
    def listing(self, request: HttpRequest) -> HttpResponse:
        from .listings import listing_page, section_stories

        description = (
            self.search_description
            or self.intro
            or gettext("The latest from %(section)s at %(name)s.")
            % {"section": self.title, "name": newsroom_name(self.locale.language_code)}
        )
        return self.render(
            request,
            context_overrides={
                "articles": listing_page(request, section_stories(self)),
                "description": description,
            },
        )

    @path("feed/")
    def feed(self, request: HttpRequest) -> HttpResponse:
        from .feeds import ArticleFeed

        articles = ArticlePage.objects.live().child_of(self)
        return ArticleFeed(self, articles)(request)


class ArticleTag(TaggedItemBase):
    content_object = ParentalKey(
        "news.ArticlePage", on_delete=models.CASCADE, related_name="tagged_items"
    )

    class Meta:  # a tag's stories from the index alone (`listings.tagged_stories`)
        indexes = [models.Index(fields=["tag", "content_object"], name="news_tag_stories")]


class ArticleAuthor(Orderable):
    article = ParentalKey(
        "news.ArticlePage", on_delete=models.CASCADE, related_name="article_authors"
    )
    author: models.ForeignKey[Author, Author] = models.ForeignKey(
        Author, verbose_name=_("author"), on_delete=models.CASCADE, related_name="+"
    )

    panels = [FieldPanel("author")]

    class Meta(Orderable.Meta):
        verbose_name = _("byline")
        verbose_name_plural = _("bylines")
        indexes = [models.Index(fields=["author", "article"], name="news_author_stories")]


class ArticlePage(PublicPageMixin, Page):
    standfirst: models.TextField[str, str] = models.TextField(_("standfirst"), max_length=600)
    lead_image: models.ForeignKey[Photo | None, Photo | None] = models.ForeignKey(
        Photo,
        verbose_name=_("lead image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    lead_image_caption: models.CharField[str, str] = models.CharField(
        _("lead image caption"),
        max_length=500,
        blank=True,
        help_text=_("Defaults to the photo's own caption."),
    )
    lead_image_alt: models.CharField[str, str] = models.CharField(
        _("lead image description"),
        max_length=500,
        blank=True,
        help_text=_(
            "What the photo shows, for readers who cannot see it, in this page's language. "
            "Defaults to the photo's own description."
        ),
    )
    body = StreamField(ArticleBodyBlock(), verbose_name=_("body"))
    updated_at: models.DateTimeField[datetime.datetime | None, datetime.datetime | None]
    updated_at = models.DateTimeField(
        _("updated at"),
        null=True,
        blank=True,
        help_text=_("Set when the story changed in substance after publication."),
    )
    tags = ClusterTaggableManager(through=ArticleTag, blank=True)

    content_panels = [
        TranslationStatusPanel(),
        *Page.content_panels,
        FieldPanel("standfirst"),
        MultiFieldPanel(
            [
                FieldPanel("lead_image"),
                FieldPanel("lead_image_caption"),
                FieldPanel("lead_image_alt"),
            ],
            heading=_("Lead image"),
        ),
        InlinePanel("article_authors", heading=_("Bylines"), label=_("byline")),
        FieldPanel("body"),
        FieldPanel("tags"),
        FieldPanel("updated_at"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("standfirst"),
        index.SearchField("body"),
        index.FilterField("locale_id"),
    ]
    parent_page_types = ["news.SectionPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")

    @cached_property
    def section(self) -> Page:
        """The section the article sits in (its parent); `with_sections` fills it for lists."""
        return self.get_parent()

    @cached_property
    def tag_list(self) -> list[Tag]:
        """The article's tags, read once per page however many parts of it ask. `all()`
        rather than a query: a preview's article is unsaved, its tags held in memory."""
        return list(self.tags.all())

    @cached_property
    def authors(self) -> list[Author]:
        """The bylines in the page's own language (`translations.bylines`)."""
        from .translations import bylines

        return bylines(self)

    @property
    def lead_image_description(self) -> str:
        if self.lead_image_alt:
            return self.lead_image_alt
        return self.lead_image.description if self.lead_image else ""

    @cached_property
    def player_origins(self) -> list[str]:
        """The hosts whose video players the body may load once the reader presses play."""
        found = {
            players.origin_of(player)
            for block in self.body
            if block.block_type == "external_media" and (player := block.value.player())
        }
        return sorted(found)

    def serve(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().serve(request, *args, **kwargs)
        if self.player_origins:
            # The page is the same for every reader, so its policy may name the players too.
            response._csp_update = {  # type: ignore[attr-defined]
                **getattr(response, "_csp_update", {}),
                "frame-src": self.player_origins,
            }
        return response

    def photos_shown(self) -> Iterator[tuple[Photo, tuple[str, ...]]]:
        """Each photo the story's pages show, with the sizes they show it in."""
        if self.lead_image:
            yield self.lead_image, LEAD_PHOTO_SIZES
        for block in self.body:
            if block.block_type == "photo" and block.value["image"]:
                yield block.value["image"], BODY_PHOTO_SIZES

    @cached_property
    def share_image(self) -> AbstractRendition | None:
        if self.lead_image is None:
            return None
        return self.lead_image.get_renditions(SHARE_IMAGE_SPEC)[SHARE_IMAGE_SPEC]

    @property
    def caption(self) -> str:
        if self.lead_image_caption:
            return self.lead_image_caption
        return self.lead_image.caption if self.lead_image else ""

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        from .related import related_articles

        context = super().get_context(request, *args, **kwargs)
        # Looked up only when the template's cached "Read more" fragment is missing.
        context["related"] = SimpleLazyObject(lambda: related_articles(self))
        return context


from .related_model import ReadMore  # noqa: E402, F401  (a model of this app, kept apart)
