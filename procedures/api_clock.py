"""Public API of the legal clock: when is the result of a procedure due if the dossier is
received at a given moment, and why (workcalendar.clock does the arithmetic).

    GET /api/v1/procedures/<code>/due-date/?received=<ISO datetime>&unit=<unit code>&lang=

`received` is required, with a time: the 15:00 cut-off needs it, so a bare date is a 400.
Without an offset it is read in Asia/Ho_Chi_Minh; with one it is converted to it (a `+`
that arrived as a space because it was not URL-encoded is read as `+`). Errors are JSON:
400 for a bad `received`, `unit` or `lang`, 404 for an unknown, draft or archived procedure.
"""

from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.utils import translation
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.models import Unit
from workcalendar.clock import TZ, CalendarRangeError, WorkCalendar

from .models import Procedure, Status

_CODE = re.compile(r"^[0-9A-Za-z._-]{1,32}$")
# "2026-02-02T09:00:00 07:00": a "+" that was not URL-encoded arrives as a space.
_SPACE_FOR_PLUS = re.compile(r"^(\S+T[\d:.]+) (\d{2}(?::?\d{2})?)$")
FIRST_YEAR, LAST_YEAR = 2000, 2099


class DueDateQuery(serializers.Serializer):
    received = serializers.CharField(max_length=64, trim_whitespace=True)
    unit = serializers.CharField(max_length=32, required=False)
    lang = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)

    def validate_received(self, value: str) -> dt.datetime:
        value = _SPACE_FOR_PLUS.sub(r"\1+\2", value)
        example = "2026-02-02T09:00:00+07:00"
        if parse_date(value) is not None:
            raise serializers.ValidationError(
                _("Cần cả ngày và giờ nhận hồ sơ (mốc 15:00), ví dụ %(example)s.")
                % {"example": example}
            )
        try:
            received = parse_datetime(value)
        except ValueError:
            received = None
        if received is None:
            raise serializers.ValidationError(
                _("Thời điểm nhận không đúng định dạng ISO 8601, ví dụ %(example)s.")
                % {"example": example}
            )
        if received.tzinfo is None:
            received = received.replace(tzinfo=TZ)
        try:
            received = received.astimezone(TZ)
        except OverflowError:
            received = None
        if received is None or not FIRST_YEAR <= received.year <= LAST_YEAR:
            raise serializers.ValidationError(
                _("Thời điểm nhận phải trong các năm %(first)s–%(last)s.")
                % {"first": FIRST_YEAR, "last": LAST_YEAR}
            )
        return received

    def validate_unit(self, value: str) -> Unit:
        unit = (
            Unit.objects.filter(code=value, is_active=True).first() if _CODE.match(value) else None
        )
        if unit is None:
            raise serializers.ValidationError(_("Không có đơn vị đang hoạt động với mã này."))
        return unit


class ProcedureDueDateSerializer(serializers.Serializer):
    received = serializers.DateTimeField(help_text="Thời điểm nhận, giờ Việt Nam (+07:00).")
    counts_from = serializers.DateField(help_text="Ngày bắt đầu tính thời hạn.")
    due = serializers.DateField(
        allow_null=True,
        help_text="Hạn trả kết quả; null khi thủ tục không quy định thời hạn theo ngày làm việc.",
    )
    explanation = serializers.ListField(
        child=serializers.CharField(),
        help_text="Các bước tính, bằng ngôn ngữ của yêu cầu (`lang` hoặc Accept-Language).",
    )


_ERROR = inline_serializer("DueDateError", {"detail": serializers.CharField()})


@extend_schema(
    summary="Hạn trả kết quả nếu nộp hồ sơ vào một thời điểm",
    description=(
        "Tính theo ngày làm việc: thứ Hai–thứ Sáu trừ ngày lễ, Tết và ngày nghỉ bù; cộng ngày "
        "làm bù và lịch riêng của tỉnh; thứ Bảy là ngày làm việc ở đơn vị có làm việc sáng "
        "thứ Bảy. Hồ sơ nhận từ 15:00 trở đi tính từ ngày làm việc tiếp theo; thủ tục giải "
        "quyết trong ngày nhận trước 15:00 thì trả trong ngày. `explanation` nêu từng bước."
    ),
    parameters=[
        OpenApiParameter("code", OpenApiTypes.STR, OpenApiParameter.PATH),
        OpenApiParameter(
            "received",
            OpenApiTypes.DATETIME,
            required=True,
            description="Thời điểm nhận hồ sơ, ISO 8601 có giờ (ví dụ 2026-02-02T09:00:00+07:00; "
            "không có múi giờ thì hiểu là giờ Việt Nam). Chỉ có ngày, sai định dạng hoặc "
            "thiếu: 400.",
        ),
        OpenApiParameter(
            "unit",
            OpenApiTypes.STR,
            description="Mã đơn vị nhận hồ sơ: áp dụng lịch của tỉnh và việc làm việc sáng thứ "
            "Bảy của đơn vị. Không có: lịch của tỉnh cài đặt (PROVINCE_CODE) hoặc lịch nhà nước. "
            "Mã không tồn tại: 400.",
        ),
        OpenApiParameter(
            "lang",
            OpenApiTypes.STR,
            enum=[code for code, _name in settings.LANGUAGES],
            description="Ngôn ngữ của `explanation` (mặc định: theo Accept-Language, rồi "
            "tiếng Việt).",
        ),
    ],
    responses={
        200: ProcedureDueDateSerializer,
        400: OpenApiResponse(
            inline_serializer(
                "DueDateBadRequest",
                {
                    "received": serializers.ListField(child=serializers.CharField()),
                    "unit": serializers.ListField(child=serializers.CharField()),
                },
            ),
            description="Tham số sai; mỗi tham số có danh sách lỗi.",
        ),
        404: OpenApiResponse(_ERROR, description="Không có thủ tục đã công bố với mã này."),
    },
    examples=[
        OpenApiExample(
            "Ba ngày làm việc",
            response_only=True,
            value={
                "received": "2026-02-02T09:00:00+07:00",
                "counts_from": "2026-02-02",
                "due": "2026-02-05",
                "explanation": [
                    "Nhận hồ sơ lúc 09:00 thứ Hai 02/02/2026. Nhận trước 15:00 trong ngày "
                    "làm việc: thời hạn tính từ ngày này.",
                    "Thời hạn giải quyết: 3 ngày làm việc, kể từ sau thứ Hai 02/02/2026.",
                    "Hạn trả kết quả: thứ Năm 05/02/2026.",
                ],
            },
        )
    ],
)
class ProcedureDueDateView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    def get(self, request, code: str):
        query = DueDateQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        if "lang" in params:
            translation.activate(params["lang"])
            request.LANGUAGE_CODE = params["lang"]
        procedure = self._procedure(code)
        calendar = WorkCalendar.for_unit(params.get("unit"))
        try:
            due = calendar.due_date(
                params["received"],
                working_days=procedure.processing_days,
                same_day=procedure.same_day,
            )
        except CalendarRangeError:
            raise serializers.ValidationError(
                {"received": [_("Hạn trả kết quả vượt quá những năm có lịch nghỉ lễ.")]}
            ) from None
        return Response(
            {
                "received": due.received.isoformat(),
                "counts_from": due.counts_from.isoformat(),
                "due": due.due.isoformat() if due.due else None,
                "explanation": due.explain(translation.get_language()),
            }
        )

    @staticmethod
    def _procedure(code: str) -> Procedure:
        procedure = (
            Procedure.objects.exclude(status=Status.DRAFT)
            .only("code", "status", "processing_days", "same_day")
            .filter(code=code)
            .first()
            if _CODE.match(code)
            else None
        )
        if procedure is None:
            raise NotFound(_("Không có thủ tục với mã này."))
        if procedure.status != Status.PUBLISHED:
            raise NotFound(_("Thủ tục đã bãi bỏ hoặc được thay thế: không còn tiếp nhận hồ sơ."))
        return procedure
