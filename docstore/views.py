"""The citizen's own document store (/account/documents/): the papers kept under their
verified personal ID number, and their files, for them only."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from citizens.access import citizen_required
from portal.responses import no_store, private_page

from .models import StoredDocument, StoredDocumentQuerySet

PAGE_SIZE = 25


def owned_documents(user) -> StoredDocumentQuerySet:
    """The stored papers of a citizen whose ID number a desk has verified; none else."""
    if not (user.id_verified_at and user.id_number):
        return StoredDocument.objects.none()
    return StoredDocument.objects.filter(id_number=user.id_number)


@never_cache
@citizen_required
@require_safe
def my_documents(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not (user.id_verified_at and user.id_number):
        return private_page(request, "docstore/not_verified.html")
    documents = owned_documents(user).select_related("doc_type").order_by("-created_at", "-id")
    page = Paginator(documents, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    for item in page:
        if item.revoked_at:
            item.state = "revoked"
        elif item.valid_until and item.valid_until < today:
            item.state = "expired"
        else:
            item.state = "valid"
    return private_page(request, "docstore/documents.html", {"page": page, "today": today})


@never_cache
@citizen_required
@require_safe
def document_file(request: HttpRequest, pk: int) -> HttpResponse:
    """A citizen's own stored file; anything else (another person's, withdrawn, no file)
    is a 404 that does not say whether it exists."""
    stored = owned_documents(request.user).filter(pk=pk, revoked_at__isnull=True).first()
    if stored is None or not stored.file:
        return private_page(request, "docstore/not_found.html", status=404)
    try:
        handle = stored.file.open("rb")
    except FileNotFoundError:
        return private_page(request, "docstore/not_found.html", status=404)
    response = FileResponse(
        handle,
        content_type=stored.content_type or "application/octet-stream",
        as_attachment=True,
        filename=stored.original_name or f"giay-to-{stored.pk}{stored.extension}",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return no_store(response)
