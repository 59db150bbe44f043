"""Small builders for a real newsroom in the test database: pages, authors, photos, and the
ledger's rows (supporters, contributions, plans, payments)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.files.images import ImageFile
from django.db import transaction
from django.utils import timezone
from PIL import Image
from wagtail.models import Locale, Page, Site

from tamizdat.news.models import ArticleAuthor, ArticlePage, Author, HomePage, Photo, SectionPage
from tamizdat.support import ledger
from tamizdat.support.ledger import Contribution, Payment, RecurringPlan, Supporter


def photo(title: str = "Square", credit: str = "AP / TASS", caption: str = "A caption") -> Photo:
    buffer = io.BytesIO()
    Image.new("RGB", (1600, 900), (120, 40, 40)).save(buffer, format="JPEG")
    image = Photo(
        title=title,
        file=ImageFile(buffer, name=f"{title}.jpg"),
        credit=credit,
        caption=caption,
        description=f"Alt text of {title}",
    )
    image.save()
    return image


def publish(page: Page, hours_ago: float = 1) -> Page:
    page.first_published_at = timezone.now() - timedelta(hours=hours_ago)
    page.save_revision().publish()
    page.refresh_from_db()
    return page


Keys = dict[str, Any]


@dataclass
class Newsroom:
    en: Locale
    ru: Locale
    home: HomePage
    home_ru: HomePage
    sections: dict[str, SectionPage] = field(default_factory=dict)
    sections_ru: dict[str, SectionPage] = field(default_factory=dict)
    authors: dict[str, Author] = field(default_factory=dict)

    def section(self, slug: str, title: str, title_ru: str) -> SectionPage:
        section = self.home.add_child(
            instance=SectionPage(title=title, slug=slug, show_in_menus=True, intro=f"{title} news")
        )
        publish(section, 1000)
        translated = section.copy_for_translation(self.ru)
        translated.title = title_ru
        publish(translated, 1000)
        self.sections[slug] = section
        self.sections_ru[slug] = translated.specific
        return section

    def author(self, slug: str, name: str) -> Author:
        author = Author.objects.create(locale=self.en, slug=slug, name=name, role="Reporter")
        self.authors[slug] = author
        return author

    def article(
        self,
        section: str,
        title: str,
        *,
        hours_ago: float = 1,
        tags: tuple[str, ...] = (),
        authors: tuple[str, ...] = (),
        body: list[tuple[str, Any]] | None = None,
        image: Photo | None = None,
    ) -> ArticlePage:
        article = ArticlePage(
            title=title,
            standfirst=f"Standfirst of {title}",
            body=body or [("paragraph", f"<p>Body of {title}.</p>")],
            lead_image=image,
        )
        article.article_authors = [ArticleAuthor(author=self.authors[slug]) for slug in authors]
        self.sections[section].add_child(instance=article)
        article.tags.add(*tags)
        article.save()
        return publish(article, hours_ago)

    def keys(self) -> Keys:
        """The primary keys of what this holds, to find it again (`found`)."""
        return {
            "en": self.en.pk,
            "ru": self.ru.pk,
            "home": self.home.pk,
            "home_ru": self.home_ru.pk,
            "sections": {slug: page.pk for slug, page in self.sections.items()},
            "sections_ru": {slug: page.pk for slug, page in self.sections_ru.items()},
            "authors": {slug: author.pk for slug, author in self.authors.items()},
        }

    @classmethod
    def found(cls, keys: Keys) -> Newsroom:
        """The newsroom whose `keys` these are, read from the database."""
        return cls(
            en=Locale.objects.get(pk=keys["en"]),
            ru=Locale.objects.get(pk=keys["ru"]),
            home=HomePage.objects.get(pk=keys["home"]),
            home_ru=HomePage.objects.get(pk=keys["home_ru"]),
            sections={s: SectionPage.objects.get(pk=k) for s, k in keys["sections"].items()},
            sections_ru={s: SectionPage.objects.get(pk=k) for s, k in keys["sections_ru"].items()},
            authors={s: Author.objects.get(pk=k) for s, k in keys["authors"].items()},
        )

    def translate(self, article: ArticlePage, title: str) -> ArticlePage:
        translated = article.copy_for_translation(self.ru)
        translated.title = title
        translated.standfirst = f"Лид: {title}"
        translated.body = [("paragraph", f"<p>Текст: {title}.</p>")]
        # A translation carries the original's date.
        translated.first_published_at = article.first_published_at
        translated.save_revision().publish()
        translated.refresh_from_db()
        return translated


def newsroom() -> Newsroom:
    en = Locale.objects.get_or_create(language_code="en")[0]
    ru = Locale.objects.get_or_create(language_code="ru")[0]
    root = Page.get_first_root_node()
    for page in root.get_children():
        page.delete()
    home = root.add_child(
        instance=HomePage(
            title="The Test Courier",
            slug="home",
            locale=en,
            tagline="News without ads",
            notice="<p>Our site is blocked at home.</p>",
        )
    )
    publish(home, 2000)
    Site.objects.all().delete()
    Site.objects.create(hostname="testserver", port=80, root_page=home, is_default_site=True)
    home_ru = home.copy_for_translation(ru)
    home_ru.title = "Тестовый курьер"
    home_ru.notice = "<p>Наш сайт заблокирован.</p>"
    publish(home_ru, 2000)
    return Newsroom(en=en, ru=ru, home=home, home_ru=home_ru.specific)


def standard_site(newsroom: Newsroom) -> Newsroom:
    """Two sections, two authors, four English stories, two of them translated into Russian."""
    newsroom.section("politics", "Politics", "Политика")
    newsroom.section("culture", "Culture", "Культура")
    newsroom.author("ada", "Ada Reporter")
    newsroom.author("boris", "Boris Writer")
    lead = newsroom.article(
        "politics",
        "Parliament dissolved",
        hours_ago=5,
        tags=("elections",),
        authors=("ada",),
        image=photo("lead"),
    )
    related = newsroom.article(
        "politics", "Opposition prepares", hours_ago=8, tags=("elections",), image=photo()
    )
    newsroom.article(
        "politics", "Budget passed", hours_ago=10, tags=("budget",), authors=("boris",)
    )
    newsroom.article("culture", "Theatre reopens", hours_ago=2, tags=("elections",))
    newsroom.translate(lead, "Парламент распущен")
    newsroom.translate(related, "Оппозиция готовится")
    return newsroom


# -- ledger rows, written the one way the product writes them: through the ledger ----------

TEST_ACTOR = ledger.Actor.system("tests")


def supporter(email: str = "reader@example.org", language: str = "en") -> Supporter:
    return ledger.supporter_for(email, language=language, anonymous=False)


def contribution(
    who: Supporter | None = None,
    *,
    amount: int = 2500,
    currency: str = "USD",
    frequency: str = "once",
    provider: str = "stripe",
    campaign: str = "",
    variant: str = "",
    held: bool = False,
) -> Contribution:
    """A contribution as the form starts it (pending, or held for e-mail confirmation)."""
    return ledger.start_contribution(
        who or supporter(),
        frequency=frequency,
        amount=amount,
        currency=currency,
        provider=provider,
        language=(who.language if who else "en"),
        campaign=campaign,
        variant=variant,
        confirm_email_first=held,
        actor=TEST_ACTOR,
    )


@transaction.atomic  # the ledger locks the rows it moves, also in transactional tests
def paid(
    started: Contribution,
    *,
    at: datetime | None = None,
    payment_id: str | None = None,
    receipt: bool = False,
) -> Payment:
    """`started` paid at `at` (now by default), as a processor would report it; recurring
    contributions get their plan. No receipt is mailed unless asked for."""
    at = at or timezone.now()
    plan = None
    if started.is_recurring:
        plan = ledger.plan_for(
            started,
            provider_plan_id=f"sub_{started.reference}",
            customer_id=f"cus_{started.reference}",
            as_of=at,
            actor=TEST_ACTOR,
        )
        ledger.apply_plan_state(plan, as_of=at, actor=TEST_ACTOR, status=ledger.PlanStatus.ACTIVE)
    payment, _created = ledger.record_payment(
        contribution=started,
        plan=plan,
        kind=Payment.Kind.FIRST if plan else Payment.Kind.ONCE,
        provider=started.provider,
        provider_payment_id=payment_id or f"pi_{started.reference}",
        amount=started.total,
        currency=started.currency,
        paid_at=at,
        actor=TEST_ACTOR,
        charge_ref=payment_id or f"pi_{started.reference}",
        receipt=receipt,
    )
    ledger.mark_paid(started, at, TEST_ACTOR)
    return payment


def gift(
    email: str = "reader@example.org",
    *,
    amount: int = 2500,
    currency: str = "USD",
    frequency: str = "once",
    provider: str = "stripe",
    at: datetime | None = None,
    campaign: str = "",
    variant: str = "",
    refunded: int = 0,
) -> Payment:
    """A supporter's paid gift (or a plan's first payment) in one call; `refunded` of it
    refunded since."""
    started = contribution(
        supporter(email),
        amount=amount,
        currency=currency,
        frequency=frequency,
        provider=provider,
        campaign=campaign,
        variant=variant,
    )
    payment = paid(started, at=at)
    if refunded:
        ledger.record_refund(payment, refunded, payment.paid_at, TEST_ACTOR)
    return payment


def plan(
    email: str = "reader@example.org",
    *,
    amount: int = 500,
    currency: str = "USD",
    interval: str = "month",
    status: str = "active",
    at: datetime | None = None,
    provider: str = "stripe",
    campaign: str = "",
    variant: str = "",
) -> RecurringPlan:
    """A plan started (and first paid) at `at`, then in `status`; by `provider`, from
    `campaign` and `variant` if given."""
    first = gift(
        email,
        amount=amount,
        currency=currency,
        frequency=interval,
        at=at,
        provider=provider,
        campaign=campaign,
        variant=variant,
    )
    started = first.plan
    assert started is not None
    ledger.apply_plan_state(started, as_of=first.paid_at, actor=TEST_ACTOR, status=status)
    return started
