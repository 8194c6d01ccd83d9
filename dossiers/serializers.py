"""Shapes of the staff API. Validation of the domain lives in services; these only parse."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from portal.models import Role, Unit, User
from procedures.models import Procedure

from .models import (
    Dossier,
    DossierChannel,
    DossierDocument,
    DossierEvent,
    DossierStep,
    Paper,
    ResultDelivery,
)
from .workflow import Action


class DossierListSerializer(serializers.ModelSerializer):
    procedure = serializers.CharField(source="procedure.code")
    procedure_name = serializers.CharField(source="procedure.name")
    receiving_unit = serializers.CharField(source="receiving_unit.code")
    competent_unit = serializers.CharField(source="competent_unit.code")
    handler = serializers.CharField(source="handler.username", default=None)
    status_display = serializers.CharField(source="get_status_display")

    class Meta:
        model = Dossier
        fields = [
            "code",
            "procedure",
            "procedure_name",
            "applicant_name",
            "status",
            "status_display",
            "receiving_unit",
            "competent_unit",
            "handler",
            "channel",
            "received_at",
            "due_date",
            "version",
        ]


class DossierDocumentSerializer(serializers.ModelSerializer):
    scans = serializers.SerializerMethodField()

    class Meta:
        model = DossierDocument
        fields = ["id", "name", "required", "originals", "copies", "provided", "scans"]

    def get_scans(self, obj) -> list[dict]:
        return [
            {"id": s.pk, "name": s.original_name, "content_type": s.content_type, "size": s.size}
            for s in obj.scans.all()
        ]


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default=None)

    class Meta:
        model = DossierEvent
        fields = ["action", "actor", "at", "from_status", "to_status", "note", "data"]


class StepSerializer(serializers.ModelSerializer):
    unit = serializers.CharField(source="unit.code")
    handler = serializers.CharField(source="handler.username", default=None)

    class Meta:
        model = DossierStep
        fields = ["kind", "unit", "handler", "started_at", "due", "finished_at"]


class PaperSerializer(serializers.ModelSerializer):
    class Meta:
        model = Paper
        fields = ["kind", "token", "issued_at"]


class DossierDetailSerializer(DossierListSerializer):
    documents = DossierDocumentSerializer(many=True)
    events = EventSerializer(many=True)
    steps = StepSerializer(many=True)
    papers = PaperSerializer(many=True)
    allowed_actions = serializers.SerializerMethodField()

    class Meta(DossierListSerializer.Meta):
        fields = DossierListSerializer.Meta.fields + [
            "applicant_id_number",
            "applicant_phone",
            "applicant_email",
            "applicant_address",
            "organisation_name",
            "language",
            "result_delivery",
            "counts_from",
            "original_due_date",
            "paused_on",
            "paused_working_days",
            "result",
            "reason",
            "supplement_note",
            "returned_to",
            "returned_at",
            "documents",
            "events",
            "steps",
            "papers",
            "allowed_actions",
        ]

    def get_allowed_actions(self, obj) -> list[str]:
        return self.context.get("allowed_actions", [])


class HandedInSerializer(serializers.Serializer):
    document_id = serializers.IntegerField(required=False, allow_null=True)
    name = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")
    provided = serializers.BooleanField()
    originals = serializers.IntegerField(min_value=0, max_value=99, default=0)
    copies = serializers.IntegerField(min_value=0, max_value=99, default=0)


class ApplicantSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=255)
    id_number = serializers.CharField(max_length=32)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    email = serializers.CharField(max_length=254, required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    organisation = serializers.CharField(
        max_length=255, required=False, allow_blank=True, default=""
    )
    language = serializers.ChoiceField(choices=["vi", "en"], default="vi")


RECEPTION_OUTCOMES = [
    Action.RECEIVE,
    Action.RECEIVE_INCOMPLETE,
    Action.REFUSE,
    Action.RECEIVE_AND_RETURN,
]


class ReceiveSerializer(serializers.Serializer):
    procedure = serializers.SlugRelatedField(
        slug_field="code", queryset=Procedure.objects.published()
    )
    applicant = ApplicantSerializer()
    documents = HandedInSerializer(many=True)
    outcome = serializers.ChoiceField(choices=RECEPTION_OUTCOMES, default=Action.RECEIVE)
    competent_unit = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Unit.objects.filter(is_active=True),
        required=False,
        allow_null=True,
    )
    channel = serializers.ChoiceField(choices=DossierChannel.choices, default="counter")
    result_delivery = serializers.ChoiceField(choices=ResultDelivery.choices, default="counter")
    note = serializers.CharField(required=False, allow_blank=True, default="")
    result = serializers.CharField(required=False, allow_blank=True, default="")
    returned_to = serializers.CharField(required=False, allow_blank=True, default="")


class ActionSerializer(serializers.Serializer):
    """The version the user saw; the action's own fields are added per action below."""

    version = serializers.IntegerField(
        min_value=1, help_text=_("Phiên bản hồ sơ người dùng đang xem (chống ghi đè).")
    )


def _action_serializer(name: str, **fields) -> type[serializers.Serializer]:
    return type(f"{name}Serializer", (ActionSerializer,), fields)


_text = lambda **kw: serializers.CharField(allow_blank=True, default="", **kw)  # noqa: E731

ACTION_SERIALIZERS: dict[str, type[serializers.Serializer]] = {
    Action.COMPLETE: _action_serializer("Complete", documents=HandedInSerializer(many=True)),
    Action.TRANSFER: _action_serializer(
        "Transfer",
        to_unit=serializers.SlugRelatedField(
            slug_field="code", queryset=Unit.objects.filter(is_active=True)
        ),
        note=_text(),
    ),
    Action.ASSIGN: _action_serializer(
        "Assign",
        handler=serializers.SlugRelatedField(
            slug_field="username", queryset=User.objects.filter(role=Role.SPECIALIST)
        ),
        note=_text(),
    ),
    Action.REQUEST_SUPPLEMENT: _action_serializer("RequestSupplement", missing=_text()),
    Action.RECEIVE_SUPPLEMENT: _action_serializer("ReceiveSupplement", note=_text()),
    Action.SUBMIT_FOR_APPROVAL: _action_serializer("SubmitForApproval", proposal=_text()),
    Action.SEND_BACK: _action_serializer("SendBack", note=_text()),
    Action.APPROVE: _action_serializer("Approve", result=_text()),
    Action.DENY: _action_serializer("Deny", reason=_text()),
    Action.EXTEND: _action_serializer("Extend", new_due=serializers.DateField(), reason=_text()),
    Action.MARK_RESULT_READY: _action_serializer("MarkResultReady", note=_text()),
    Action.RETURN_RESULT: _action_serializer(
        "ReturnResult",
        returned_to=_text(),
        method=serializers.ChoiceField(choices=ResultDelivery.choices, default="counter"),
        identity_checked=serializers.BooleanField(
            default=False,
            help_text=_(
                "Người nộp nhận trực tiếp tại quầy, đã đối chiếu CCCD bản gốc: xác thực số "
                "định danh cho tài khoản công dân đã nộp hồ sơ"
            ),
        ),
    ),
    Action.WITHDRAW: _action_serializer("Withdraw", reason=_text()),
    # The desk's check of an online dossier (status submitted_online), as on the desk page.
    Action.RECEIVE: _action_serializer("AcceptOnline", note=_text()),
    Action.RECEIVE_INCOMPLETE: _action_serializer(
        "RequestOnlineSupplement",
        documents=serializers.ListField(
            child=serializers.IntegerField(min_value=1, max_value=2**31 - 1),
            default=list,
            help_text=_("Mã các dòng giấy tờ của hồ sơ còn thiếu (documents[].id)."),
        ),
        note=_text(),
    ),
    Action.REFUSE: _action_serializer("RefuseOnline", reason=_text()),
}
