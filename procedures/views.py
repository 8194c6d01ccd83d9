"""Public pages of the catalogue (to be completed)."""

from django.http import Http404, HttpResponse


def _todo(*args, **kwargs) -> HttpResponse:
    raise Http404


home = search = procedure_detail = procedure_qr_png = procedure_qr_svg = _todo
procedure_poster_pdf = local_form_download = _todo
