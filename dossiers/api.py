"""Staff API for dossiers: the same services and rules as the workspace pages."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from portal import access as portal_access

from . import access, online, selectors, services
from .models import Dossier, DossierDocument, DossierStatus
from .pagination import CappedPageNumberPagination
from .serializers import (
    ACTION_SERIALIZERS,
    DossierDetailSerializer,
    DossierListSerializer,
    ReceiveSerializer,
)
from .workflow import Action

# The same actions as the desk page: the counter's, and the check of online dossiers.
DESK_SERVICES = {**services.ACTION_SERVICES, **online.DESK_ACTION_SERVICES}


class IsStaffMember(permissions.BasePermission):
    message = _("Chỉ cán bộ được phân quyền mới dùng được API hồ sơ.")

    def has_permission(self, request, view) -> bool:
        return portal_access.is_staff_member(request.user)


def _handed_in(rows: list[dict]) -> list[services.HandedIn]:
    return [
        services.HandedIn(
            catalogue_document_id=row.get("document_id"),
            name=row.get("name", ""),
            provided=row["provided"],
            originals=row.get("originals", 0),
            copies=row.get("copies", 0),
        )
        for row in rows
    ]


def _call(fn: Callable[[], Dossier]) -> Dossier:
    """Run a service; its refusals become 400 / 403 / 409 with a JSON body."""
    try:
        return fn()
    except services.DossierError as exc:
        response_error = ValidationError({"detail": exc.message, "errors": exc.errors})
        response_error.status_code = exc.status_code
        raise response_error from exc


def _detail_queryset(user):
    return (
        access.visible_dossiers(user)
        .select_related("procedure", "receiving_unit", "competent_unit", "handler")
        .prefetch_related(
            Prefetch("documents", queryset=DossierDocument.objects.prefetch_related("scans")),
            "events__actor",
            "steps__unit",
            "steps__handler",
            "papers",
        )
    )


def _detail_response(request: Request, dossier: Dossier, code: int = 200) -> Response:
    dossier = _detail_queryset(request.user).get(pk=dossier.pk)
    context = {"request": request, "allowed_actions": access.allowed_actions(request.user, dossier)}
    return Response(DossierDetailSerializer(dossier, context=context).data, status=code)


class DossierListView(generics.GenericAPIView):
    permission_classes = [IsStaffMember]
    pagination_class = CappedPageNumberPagination  # a unit's whole history is not counted
    serializer_class = DossierListSerializer
    queryset = Dossier.objects.none()  # scoped per user in get(); named for the schema

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "list",
                str,
                description="worklist: "
                + ", ".join(
                    sorted(
                        set(
                            selectors.Worklist.DESK
                            + selectors.Worklist.SPECIALIST
                            + selectors.Worklist.LEADER
                            + selectors.Worklist.ALL
                        )
                    )
                ),
            ),
            OpenApiParameter("status", str, enum=DossierStatus.values),
            OpenApiParameter("q", str, description="code, phone, ID number or name"),
        ],
        responses=DossierListSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        worklist = selectors.Worklist(request.user)
        name = request.query_params.get("list", "all")
        try:
            qs = worklist.get(name)
        except KeyError:
            raise ValidationError({"list": [_("Danh sách không tồn tại: %s") % name]}) from None
        status_filter = request.query_params.get("status")
        if status_filter:
            if status_filter not in DossierStatus.values:
                raise ValidationError({"status": [_("Trạng thái không hợp lệ.")]})
            qs = qs.filter(status=status_filter)
        qs = selectors.search(qs, request.query_params.get("q", ""))
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(request=ReceiveSerializer, responses={201: DossierDetailSerializer})
    def post(self, request: Request) -> Response:
        """Receive a dossier at the desk (complete, incomplete, refused or no-appointment)."""
        form = ReceiveSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        dossier = _call(
            lambda: services.receive_dossier(
                actor=request.user,
                procedure=data["procedure"],
                applicant=services.Applicant(**data["applicant"]),
                documents=_handed_in(data["documents"]),
                outcome=data["outcome"],
                competent_unit=data.get("competent_unit"),
                channel=data["channel"],
                result_delivery=data["result_delivery"],
                note=data["note"],
                result=data["result"],
                returned_to=data["returned_to"],
            )
        )
        return _detail_response(request, dossier, status.HTTP_201_CREATED)


class DossierDetailView(generics.GenericAPIView):
    permission_classes = [IsStaffMember]
    serializer_class = DossierDetailSerializer

    def get(self, request: Request, code: str) -> Response:
        dossier = access.visible_dossiers(request.user).filter(code=code).first()
        if dossier is None:
            raise NotFound(_("Không tìm thấy hồ sơ."))
        return _detail_response(request, dossier)


class DossierActionView(generics.GenericAPIView):
    permission_classes = [IsStaffMember]

    def get_serializer_class(self):
        return ACTION_SERIALIZERS.get(self.kwargs.get("action"), ACTION_SERIALIZERS["withdraw"])

    @extend_schema(
        description="Take a workflow action. 403: not your role/unit; 409: not allowed from "
        "the current status, or the dossier changed since `version`; 400: bad data.",
        responses={
            200: DossierDetailSerializer,
            400: OpenApiResponse(description="bad data"),
            403: OpenApiResponse(description="forbidden"),
            409: OpenApiResponse(description="wrong status or stale version"),
        },
    )
    def post(self, request: Request, code: str, action: str) -> Response:
        service = DESK_SERVICES.get(action)
        if service is None:
            raise NotFound(_("Thao tác không tồn tại: %s") % action)
        dossier = access.visible_dossiers(request.user).filter(code=code).first()
        if dossier is None:
            raise NotFound(_("Không tìm thấy hồ sơ."))
        form = ACTION_SERIALIZERS[action](data=request.data)
        form.is_valid(raise_exception=True)
        params = dict(form.validated_data)
        if "documents" in params and action == Action.COMPLETE:
            params["documents"] = _handed_in(params["documents"])
        dossier = _call(lambda: service(dossier, actor=request.user, **params))
        return _detail_response(request, dossier)
