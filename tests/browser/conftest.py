import pytest

from tests.factories import photo


@pytest.fixture
def reading_site(newsroom):
    """A small newsroom with a translated story and a related one, served to a real browser."""
    newsroom.section("politics", "Politics", "Политика")
    newsroom.section("culture", "Culture", "Культура")
    newsroom.author("ada", "Ada Reporter")
    lead = newsroom.article(
        "politics",
        "Parliament dissolved",
        hours_ago=3,
        tags=("elections",),
        authors=("ada",),
        image=photo("lead"),
    )
    related = newsroom.article(
        "politics", "Opposition prepares", hours_ago=6, tags=("elections",), image=photo("second")
    )
    newsroom.article("culture", "Theatre reopens", hours_ago=30)
    newsroom.translate(lead, "Парламент распущен")
    newsroom.translate(related, "Оппозиция готовится")
    return newsroom
