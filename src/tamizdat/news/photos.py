"""The newsroom's photos: each with the credit and caption printed beside it, and renditions
kept in folders named by the original's content. Models of `news` (`models` imports them)."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.images.models import (
    AbstractImage,
    AbstractRendition,
    Filter,
    Image,
    SourceImageIOError,
)
from wagtail.utils.file import hash_filelike

from tamizdat.web.media import HASHED_FOLDER_LENGTH


@functools.lru_cache(maxsize=256)
def shared_filter(spec: str) -> Filter:
    """One filter per spec in a process. Wagtail's `srcset_image` and `picture` tags make new
    filters on every render, and each one parses its operations again (a fifth of a tag or
    author page's render). A filter holds nothing of an image or of a render, and is no longer read
    from the database, so one may serve every thread."""
    return Filter(spec=spec)


# The sizes reading pages show a photo in, spelled as the templates spell them (a test shows every
# reading page finding them all made): a story's lead photo, atop its page or a front page's lead
# card, on the other cards, and as the picture beside a link to it on social networks; a photo
# in a story's body.
SHARE_IMAGE_SPEC = "fill-1200x630"
LEAD_PHOTO_SIZES = (
    *Filter.expand_spec("format-{webp,jpeg} fill-{480x270,960x540,1440x810}"),
    *Filter.expand_spec("format-webp fill-{320x180,640x360}"),
    SHARE_IMAGE_SPEC,
)
BODY_PHOTO_SIZES = tuple(Filter.expand_spec("format-{webp,jpeg} width-{480,960,1440}"))


def all_sizes_made(shown: Iterable[tuple[Photo, Sequence[str]]]) -> bool:
    """Whether each of these photos is made in every size a page shows it in."""
    for photo, specs in shown:
        filters = [shared_filter(spec) for spec in specs]
        if len(photo.find_existing_renditions(*filters)) < len(filters):
            return False
    return True


# Renditions are made one photo at a time in a process. Each making decodes the original and
# encodes up to three sizes at once (Wagtail's own pool), so a web worker whose four threads all
# met new photos held a dozen images in memory together (its peak doubled, to about 370 MiB),
# and threads asked for the same photo made the same files twice.
_MAKING_RENDITIONS = threading.Lock()


class Photo(AbstractImage):
    """An image with the credit and caption that a newsroom must print beside it."""

    credit: models.CharField[str, str] = models.CharField(
        _("credit"), max_length=255, blank=True, help_text=_("For example: AP / TASS")
    )
    caption: models.CharField[str, str] = models.CharField(_("caption"), max_length=500, blank=True)

    admin_form_fields = (*Image.admin_form_fields, "credit", "caption")

    def get_renditions(self, *filters: Filter | str) -> dict[str, AbstractRendition]:
        specs = (item if isinstance(item, str) else item.spec for item in filters)
        return super().get_renditions(*(shared_filter(spec) for spec in specs))

    def create_renditions(self, *filters: Filter) -> dict[Filter, AbstractRendition]:
        with _MAKING_RENDITIONS:
            # Those another thread made while this one waited are read, not made again.
            wanted = {(item.spec, item.get_cache_key(self)): item for item in filters}
            made = {
                wanted[key]: rendition
                for rendition in self.renditions.filter(filter_spec__in=[f.spec for f in filters])
                if (key := (rendition.filter_spec, rendition.focal_point_key)) in wanted
            }
            missing = [item for item in filters if item not in made]
            return made | super().create_renditions(*missing)

    @contextmanager
    def open_file(self) -> Iterator[Any]:
        # A file of its own for each rendition made. One photo object serves every thread of
        # a process (`context.shared`), and Wagtail's own reopens the file they share, which
        # one thread then closes while another still reads it. A photo being uploaded is not
        # in the storage yet, and no other thread has it.
        if not self.file._committed:
            with super().open_file() as uploaded:
                yield uploaded
            return
        try:
            image_file = self.file.storage.open(self.file.name, "rb")
        except OSError as error:
            raise SourceImageIOError(str(error)) from error
        with image_file:
            yield image_file

    class Meta(AbstractImage.Meta):
        verbose_name = _("photo")
        verbose_name_plural = _("photos")


class PhotoRendition(AbstractRendition):
    image: models.ForeignKey[Photo, Photo] = models.ForeignKey(
        Photo, on_delete=models.CASCADE, related_name="renditions"
    )

    def get_upload_to(self, filename: str) -> str:
        # In a folder named by the original file's content: a photo whose file an editor
        # replaces gets new addresses, so readers and caches may keep every rendition for a
        # year without asking again (`tamizdat.web.media`).
        # Wagtail's admin records the hash on upload; a photo made another way (the demo, an
        # import) is hashed here rather than saved while a reader's page renders.
        digest = self.image.file_hash
        if not digest:
            # A file of its own: the image's is open for the rendition being made.
            original = self.image.file
            with original.storage.open(original.name, "rb") as copy:
                digest = hash_filelike(copy)
        folder = digest[:HASHED_FOLDER_LENGTH]
        return f"images/{folder}/{self.file.field.storage.get_valid_name(filename)}"

    class Meta:
        unique_together = (("image", "filter_spec", "focal_point_key"),)
