from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from tamizdat.mirror import views as mirror_views
from tamizdat.news import sitemaps
from tamizdat.news import views as news_views
from tamizdat.newsletters import esp

urlpatterns = [
    path("", news_views.root, name="root"),
    path("robots.txt", news_views.robots_txt, name="robots_txt"),
    path("sitemap.xml", sitemaps.index, name="sitemap"),
    path("sitemap-<int:number>.xml", sitemaps.sitemap_file, name="sitemap_file"),
    path("mirrors.json", mirror_views.mirrors_json, name="mirrors_json"),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("prompts/", include("tamizdat.prompts.urls")),
    path("payments/", include("tamizdat.payments.urls")),
    path("newsletters-esp/<str:esp>/tracking/", esp.tracking_webhook, name="esp_tracking"),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
elif settings.MEDIA_STORAGE == "local":
    from tamizdat.web.media import media

    # On one machine the web process serves uploaded media itself; behind a CDN or with object
    # storage, the front server or the bucket answers these addresses instead.
    urlpatterns.append(path("media/<path:path>", media, name="media"))

# Every language's pages live under its own prefix (/en/, /ru/), the default one included, so
# a page's language comes from its address alone and never from a reader's headers or cookies.
urlpatterns += i18n_patterns(
    path("support/", include("tamizdat.support.urls")),
    path("reach/", include("tamizdat.mirror.urls")),
    path("newsletters/", include("tamizdat.newsletters.urls")),
    path("", include(wagtail_urls)),
    prefix_default_language=True,
)
