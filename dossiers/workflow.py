"""The dossier workflow in one table: (status, action) -> new status, and who may act.

Read it top to bottom as the life of a dossier at the one-stop desk. NEW stands for "no
dossier yet": the actions that create one.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.models import Role

from .models import DossierStatus as S

NEW = ""


class Action(models.TextChoices):
    RECEIVE = "receive", _("Tiếp nhận hồ sơ")
    RECEIVE_INCOMPLETE = "receive_incomplete", _("Yêu cầu bổ sung khi tiếp nhận")
    REFUSE = "refuse", _("Từ chối tiếp nhận")
    RECEIVE_AND_RETURN = "receive_and_return", _("Tiếp nhận và trả kết quả ngay (không hẹn)")
    COMPLETE = "complete", _("Đã đủ giấy tờ, tiếp nhận")
    TRANSFER = "transfer", _("Chuyển cơ quan có thẩm quyền")
    ASSIGN = "assign", _("Phân công chuyên viên xử lý")
    REQUEST_SUPPLEMENT = "request_supplement", _("Yêu cầu bổ sung (tạm dừng thời hạn)")
    RECEIVE_SUPPLEMENT = "receive_supplement", _("Nhận hồ sơ bổ sung (tiếp tục thời hạn)")
    SUBMIT_FOR_APPROVAL = "submit_for_approval", _("Trình lãnh đạo phê duyệt")
    SEND_BACK = "send_back", _("Trả lại chuyên viên xử lý tiếp")
    APPROVE = "approve", _("Phê duyệt")
    DENY = "deny", _("Không giải quyết (nêu lý do)")
    EXTEND = "extend", _("Xin lỗi và hẹn lại ngày trả kết quả")
    MARK_RESULT_READY = "mark_result_ready", _("Kết quả đã có tại Bộ phận một cửa")
    RETURN_RESULT = "return_result", _("Trả kết quả cho công dân")
    WITHDRAW = "withdraw", _("Rút hồ sơ theo đề nghị của công dân")
    # The citizen's own actions, from their account (online submission).
    SUBMIT_ONLINE = "submit_online", _("Nộp hồ sơ trực tuyến")
    SUPPLEMENT_ONLINE = "supplement_online", _("Bổ sung giấy tờ trực tuyến")


A = Action

TRANSITIONS: dict[tuple[str, str], str] = {
    # Reception at the desk: complete, incomplete (not received yet), not eligible.
    (NEW, A.RECEIVE): S.RECEIVED,
    (NEW, A.RECEIVE_INCOMPLETE): S.INCOMPLETE,
    (NEW, A.REFUSE): S.REFUSED,
    (NEW, A.RECEIVE_AND_RETURN): S.RETURNED,  # same-day dossier finished at the counter
    (S.INCOMPLETE, A.COMPLETE): S.RECEIVED,
    (S.INCOMPLETE, A.REFUSE): S.REFUSED,
    (S.INCOMPLETE, A.WITHDRAW): S.WITHDRAWN,
    # Online submissions are checked at the desk like counter ones.
    (S.SUBMITTED_ONLINE, A.RECEIVE): S.RECEIVED,
    (S.SUBMITTED_ONLINE, A.RECEIVE_INCOMPLETE): S.INCOMPLETE,
    (S.SUBMITTED_ONLINE, A.REFUSE): S.REFUSED,
    # Transfer and assignment.
    (S.RECEIVED, A.TRANSFER): S.TRANSFERRED,
    (S.RECEIVED, A.ASSIGN): S.IN_PROCESSING,
    (S.RECEIVED, A.WITHDRAW): S.WITHDRAWN,
    (S.TRANSFERRED, A.ASSIGN): S.IN_PROCESSING,
    (S.TRANSFERRED, A.WITHDRAW): S.WITHDRAWN,
    # Processing, with a supplement round that pauses the clock.
    (S.IN_PROCESSING, A.ASSIGN): S.IN_PROCESSING,  # reassign to another specialist
    (S.IN_PROCESSING, A.REQUEST_SUPPLEMENT): S.SUPPLEMENT_REQUESTED,
    (S.IN_PROCESSING, A.SUBMIT_FOR_APPROVAL): S.AWAITING_APPROVAL,
    (S.IN_PROCESSING, A.EXTEND): S.IN_PROCESSING,
    (S.IN_PROCESSING, A.WITHDRAW): S.WITHDRAWN,
    (S.SUPPLEMENT_REQUESTED, A.RECEIVE_SUPPLEMENT): S.IN_PROCESSING,
    (S.SUPPLEMENT_REQUESTED, A.EXTEND): S.SUPPLEMENT_REQUESTED,
    (S.SUPPLEMENT_REQUESTED, A.WITHDRAW): S.WITHDRAWN,
    # Approval.
    (S.AWAITING_APPROVAL, A.APPROVE): S.APPROVED,
    (S.AWAITING_APPROVAL, A.DENY): S.DENIED,
    (S.AWAITING_APPROVAL, A.SEND_BACK): S.IN_PROCESSING,
    (S.AWAITING_APPROVAL, A.EXTEND): S.AWAITING_APPROVAL,
    (S.AWAITING_APPROVAL, A.WITHDRAW): S.WITHDRAWN,
    # Result and its return.
    (S.APPROVED, A.EXTEND): S.APPROVED,
    (S.APPROVED, A.MARK_RESULT_READY): S.RESULT_READY,
    (S.DENIED, A.MARK_RESULT_READY): S.RESULT_READY,
    (S.RESULT_READY, A.RETURN_RESULT): S.RETURNED,
    # The citizen online: submit from home; upload what the desk asked for (back to the
    # desk's check), or what the specialist asked for (the specialist then receives it).
    (NEW, A.SUBMIT_ONLINE): S.SUBMITTED_ONLINE,
    (S.INCOMPLETE, A.SUPPLEMENT_ONLINE): S.SUBMITTED_ONLINE,
    (S.SUPPLEMENT_REQUESTED, A.SUPPLEMENT_ONLINE): S.SUPPLEMENT_REQUESTED,
}

# Who may take each action, and from which side of the dossier:
#   "receiving": staff of the unit that received it; "competent": staff of the unit that
#   processes it; "handler": the specialist the dossier is assigned to; CITIZEN with
#   "owner": the citizen account that submitted the dossier online.
CITIZEN = "citizen"

RULES: dict[str, tuple[tuple[str, str], ...]] = {
    A.RECEIVE: ((Role.DESK_OFFICER, "receiving"),),
    A.RECEIVE_INCOMPLETE: ((Role.DESK_OFFICER, "receiving"),),
    A.REFUSE: ((Role.DESK_OFFICER, "receiving"),),
    A.RECEIVE_AND_RETURN: ((Role.DESK_OFFICER, "receiving"),),
    A.COMPLETE: ((Role.DESK_OFFICER, "receiving"),),
    A.TRANSFER: ((Role.DESK_OFFICER, "receiving"),),
    A.ASSIGN: ((Role.LEADER, "competent"), (Role.DESK_OFFICER, "competent")),
    A.REQUEST_SUPPLEMENT: ((Role.SPECIALIST, "handler"),),
    A.RECEIVE_SUPPLEMENT: ((Role.SPECIALIST, "handler"), (Role.DESK_OFFICER, "receiving")),
    A.SUBMIT_FOR_APPROVAL: ((Role.SPECIALIST, "handler"),),
    A.SEND_BACK: ((Role.LEADER, "competent"),),
    A.APPROVE: ((Role.LEADER, "competent"),),
    A.DENY: ((Role.LEADER, "competent"),),
    A.EXTEND: ((Role.SPECIALIST, "handler"), (Role.LEADER, "competent")),
    A.MARK_RESULT_READY: (
        (Role.SPECIALIST, "handler"),
        (Role.LEADER, "competent"),
        (Role.DESK_OFFICER, "receiving"),
        (Role.DESK_OFFICER, "competent"),
    ),
    A.RETURN_RESULT: ((Role.DESK_OFFICER, "receiving"),),
    A.WITHDRAW: ((Role.DESK_OFFICER, "receiving"),),
    A.SUBMIT_ONLINE: ((CITIZEN, "owner"),),
    A.SUPPLEMENT_ONLINE: ((CITIZEN, "owner"),),
}


def next_status(status: str, action: str) -> str | None:
    """The status an action leads to from `status`, or None when it is not allowed."""
    return TRANSITIONS.get((status, action))


def actions_from(status: str) -> list[str]:
    return [action for (from_status, action) in TRANSITIONS if from_status == status]
