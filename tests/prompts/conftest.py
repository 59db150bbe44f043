import pytest


@pytest.fixture
def site(newsroom):
    """Two sections with stories in English, one translated into Russian."""
    newsroom.section("politics", "Politics", "Политика")
    newsroom.section("culture", "Culture", "Культура")
    newsroom.author("ada", "Ada Reporter")
    lead = newsroom.article(
        "politics", "Parliament dissolved", hours_ago=5, tags=("elections",), authors=("ada",)
    )
    newsroom.article("politics", "Budget passed", hours_ago=10, tags=("budget",))
    newsroom.article("culture", "Theatre reopens", hours_ago=2)
    newsroom.translate(lead, "Парламент распущен")
    return newsroom
