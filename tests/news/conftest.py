import pytest

from tests.factories import photo


@pytest.fixture
def site(newsroom):
    """Two sections, two authors, three English stories and one Russian translation."""
    newsroom.section("politics", "Politics", "Политика")
    newsroom.section("culture", "Culture", "Культура")
    newsroom.author("ada", "Ada Reporter")
    newsroom.author("boris", "Boris Writer")
    first = newsroom.article(
        "politics",
        "Parliament dissolved",
        hours_ago=5,
        tags=("elections",),
        authors=("ada",),
        image=photo(),
    )
    newsroom.article(
        "politics", "Budget passed", hours_ago=10, tags=("budget",), authors=("boris",)
    )
    newsroom.article("culture", "Theatre reopens", hours_ago=2, tags=("elections",))
    newsroom.translate(first, "Парламент распущен")
    return newsroom
