"""The building blocks of an article's body (a Wagtail StreamField)."""

from urllib.parse import urlsplit

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.images.blocks import ImageChooserBlock


class PhotoBlock(blocks.StructBlock):
    image = ImageChooserBlock()
    caption = blocks.CharBlock(required=False, help_text=_("Defaults to the photo's own caption."))
    credit = blocks.CharBlock(required=False, help_text=_("Defaults to the photo's own credit."))

    class Meta:
        icon = "image"
        template = "news/blocks/photo.html"


class QuoteBlock(blocks.StructBlock):
    text = blocks.TextBlock()
    attribution = blocks.CharBlock(required=False)

    class Meta:
        icon = "openquote"
        template = "news/blocks/quote.html"


class ExternalMediaStructValue(blocks.StructValue):
    def host(self) -> str:
        return urlsplit(self.get("url", "")).hostname or ""


class ExternalMediaBlock(blocks.StructBlock):
    """A video or post hosted elsewhere, shown as a link card.

    Nothing is fetched from the other site when the page loads: the reader decides to go there
    by following the link, so a reading page never tells a third party who is reading it.
    """

    url = blocks.URLBlock()
    title = blocks.CharBlock()

    class Meta:
        icon = "media"
        template = "news/blocks/external_media.html"
        value_class = ExternalMediaStructValue


class ArticleBodyBlock(blocks.StreamBlock):
    paragraph = blocks.RichTextBlock(
        features=["bold", "italic", "link", "ol", "ul"], template="news/blocks/paragraph.html"
    )
    subheading = blocks.CharBlock(icon="title", template="news/blocks/subheading.html")
    photo = PhotoBlock()
    quote = QuoteBlock()
    external_media = ExternalMediaBlock()
