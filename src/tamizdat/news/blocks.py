"""The building blocks of an article's body (a Wagtail StreamField)."""

from urllib.parse import urlsplit

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.images.blocks import ImageChooserBlock

from . import players


class PhotoBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("Image"))
    caption = blocks.CharBlock(
        label=_("Caption"), required=False, help_text=_("Defaults to the photo's own caption.")
    )
    credit = blocks.CharBlock(
        label=_("Credit"), required=False, help_text=_("Defaults to the photo's own credit.")
    )
    alt = blocks.CharBlock(
        label=_("Description"),
        required=False,
        help_text=_(
            "What the photo shows, for readers who cannot see it, in this page's language. "
            "Defaults to the photo's own description."
        ),
    )

    class Meta:
        icon = "image"
        label = _("Photo")
        template = "news/blocks/photo.html"


class QuoteBlock(blocks.StructBlock):
    text = blocks.TextBlock(label=_("Text"))
    attribution = blocks.CharBlock(label=_("Attribution"), required=False)

    class Meta:
        icon = "openquote"
        label = _("Quote")
        template = "news/blocks/quote.html"


class ExternalMediaStructValue(blocks.StructValue):
    def host(self) -> str:
        return urlsplit(self.get("url", "")).hostname or ""

    def player(self) -> str | None:
        return players.player_url(self.get("url", ""))


class ExternalMediaBlock(blocks.StructBlock):
    """A video or post hosted elsewhere: a link card, and for YouTube and Vimeo videos a
    player that loads when the reader clicks.

    Nothing is fetched from the other site when the page loads: the reader decides to go there,
    so a reading page never tells a third party who is reading it.
    """

    url = blocks.URLBlock(
        label=_("Address"),
        help_text=_(
            "A YouTube or Vimeo video plays on the page once the reader clicks; any other "
            "address is shown as a link."
        ),
    )
    title = blocks.CharBlock(label=_("Title"))

    class Meta:
        icon = "media"
        label = _("Video or outside post")
        template = "news/blocks/external_media.html"
        value_class = ExternalMediaStructValue


class ArticleBodyBlock(blocks.StreamBlock):
    paragraph = blocks.RichTextBlock(
        label=_("Paragraph"),
        features=["bold", "italic", "link", "ol", "ul"],
        template="news/blocks/paragraph.html",
    )
    subheading = blocks.CharBlock(
        label=_("Subheading"), icon="title", template="news/blocks/subheading.html"
    )
    photo = PhotoBlock()
    quote = QuoteBlock()
    external_media = ExternalMediaBlock()
