"""The stored "Read more" of each article (`news.related` chooses and keeps it)."""

from __future__ import annotations

from django.db import models


class ReadMore(models.Model):
    """The stories an article's "Read more" shows, best first: `entries` holds
    `[page id, relevance]` pairs. A row exists once the list has been chosen, even an empty one
    (an article alone in its language), so an article that has none yet can be told apart."""

    article = models.OneToOneField(
        "news.ArticlePage", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    entries = models.JSONField(default=list)

    class Meta:
        verbose_name = "read more list"

    def __str__(self) -> str:
        return f"Read more of article {self.article_id}"
