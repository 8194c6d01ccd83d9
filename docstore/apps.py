from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocstoreConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "docstore"
    verbose_name = _("Kho giấy tờ của công dân")
