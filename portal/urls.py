from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from . import views

handler404 = "portal.views.page_not_found"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("procedures.api_urls")),
    path("api/v1/", include("dossiers.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("", include("dossiers.urls_track")),
    path("desk/", include("dossiers.urls")),
    path("account/documents/", include("docstore.urls")),
    path("account/", include("citizens.urls")),
    path("online/", include("dossiers.urls_online")),
    path("", include("dossiers.urls_public")),
    path("desk/", include("dossiers.urls_papers")),
    path("", include("feedback.urls")),
    path("desk/", include("feedback.urls_desk")),
    path("", include("procedures.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
