"""`/v/<token>`: the public page a paper's QR code opens, confirming it is genuine."""

import datetime as dt

import pytest
from django.urls import reverse

from dossiers import services
from dossiers.models import Paper, PaperKind

from .conftest import at, receive


@pytest.fixture
def received(three_day_procedure, desk_officer):
    return receive(three_day_procedure, desk_officer)


def verify_url(token: str) -> str:
    return reverse("verify:paper", kwargs={"token": token})


def test_receipt_is_confirmed_with_masked_name_and_tracking_link(client, received):
    paper = received.papers.get(kind=PaperKind.RECEIPT)
    assert verify_url(paper.token) == f"/v/{paper.token}"
    response = client.get(verify_url(paper.token))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Giấy tờ hợp lệ" in html
    assert "Giấy tiếp nhận hồ sơ và hẹn trả kết quả" in html
    assert received.code in html
    assert "Đăng ký kết hôn" in html
    assert "07/12/2026 09:00" in html
    assert "Xã Đạ Huoai" in html
    assert "Nguyễn V** A*" in html
    assert f'href="/track?code={received.code}"' in html
    # Nothing else about the person.
    for private in ("Nguyễn Văn An", "079123456789", "0912345678", "an@example.vn", "Thôn 2"):
        assert private not in html
    assert response["X-Robots-Tag"].startswith("noindex")
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_other_papers_are_confirmed_without_tracking_link(client, received, leader, specialist):
    services.assign_dossier(received, actor=leader, handler=specialist, now=at(2026, 12, 7, 10))
    services.extend_dossier(
        received,
        actor=leader,
        new_due=dt.date(2026, 12, 15),
        reason="Chờ xác minh.",
        now=at(2026, 12, 9),
    )
    paper = received.papers.get(kind=PaperKind.APOLOGY)
    html = client.get(verify_url(paper.token)).content.decode()
    assert "Phiếu xin lỗi và hẹn lại ngày trả kết quả" in html
    assert "15/12/2026" in html
    assert "/track?code=" not in html
    assert "Chờ xác minh." not in html  # the reason stays on the paper


def test_refusal_is_confirmed(client, three_day_procedure, desk_officer):
    dossier = receive(three_day_procedure, desk_officer, outcome="refuse", note="Sai thẩm quyền")
    paper = dossier.papers.get(kind=PaperKind.REFUSAL)
    html = client.get(verify_url(paper.token)).content.decode()
    assert "Giấy tờ hợp lệ" in html and "Phiếu từ chối" in html and dossier.code in html


@pytest.mark.parametrize(
    "token",
    [
        "x" * 32,  # well-formed, unknown
        "abc",  # too short to be ours
        "a" * 200,
        "%3Cscript%3E",
        "..%2F..%2Fetc",
    ],
)
def test_unknown_or_forged_token_says_so_plainly(client, received, token):
    response = client.get(f"/v/{token}")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Không tìm thấy giấy tờ này — có thể là giấy giả mạo hoặc mã sai" in html
    assert "it may be forged" in html
    assert "Giấy tờ hợp lệ" not in html
    assert received.code not in html


def test_token_of_another_paper_changed_by_one_letter_is_not_found(client, received):
    token = received.papers.get(kind=PaperKind.RECEIPT).token
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert client.get(verify_url(forged)).status_code == 404


def test_page_answers_in_english(client, received):
    paper = received.papers.get(kind=PaperKind.RECEIPT)
    client.get(reverse("procedures:set-language", args=["en"]))
    response = client.get(verify_url(paper.token))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Marriage registration" in html or "Đăng ký kết hôn" in html
    assert "Da Huoai Commune" in html
    assert "Nguyễn V** A*" in html


def test_post_is_not_allowed(client, received):
    paper = received.papers.get(kind=PaperKind.RECEIPT)
    assert client.post(verify_url(paper.token)).status_code == 405


def test_query_count_is_small(client, received, django_assert_max_num_queries):
    paper = received.papers.get(kind=PaperKind.RECEIPT)
    with django_assert_max_num_queries(3):
        assert client.get(verify_url(paper.token)).status_code == 200


def test_paper_of_an_unsnapshotted_issue_is_still_confirmed(client, received):
    paper = received.papers.get(kind=PaperKind.RECEIPT)
    Paper.objects.filter(pk=paper.pk).update(content={})
    html = client.get(verify_url(paper.token)).content.decode()
    assert "Giấy tờ hợp lệ" in html and "Nguyễn V** A*" in html
