"""What an import brought in from another system: which of its items became which object, so
that running it again updates what changed and skips what did not."""

from __future__ import annotations

from django.db import models


class ImportedItem(models.Model):
    source = models.CharField(max_length=200, help_text="The exported site's address.")
    kind = models.CharField(max_length=40)  # post, attachment, author, category, translations
    key = models.CharField(max_length=200)  # the item's id or slug in the source
    object_id = models.CharField(max_length=64)
    digest = models.CharField(max_length=64, blank=True)
    # False from an article's save until its search and reference index entries are written,
    # in batches after the posts: a run stopped in between leaves them for the next run.
    indexed = models.BooleanField(default=True)
    # A post's article links to old addresses no imported post had when it was saved: looked
    # at again after each run's posts (`links.relink`).
    links_waiting = models.BooleanField(default=False)
    imported_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "kind", "key"], name="unique_imported_item_per_source"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} of {self.source}"
