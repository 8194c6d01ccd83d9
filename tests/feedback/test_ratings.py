"""Satisfaction ratings: the invitation, the signed link, one rating per dossier, the
counter tablet, the account, and rating by code when the link is gone."""

import datetime as dt
import re
import threading
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core import signing
from django.db import connection

from dossiers import notify
from dossiers.models import DossierStatus
from feedback import services as feedback_services
from feedback.models import Rating, RatingChannel
from notifications.backends import memory
from notifications.models import Notification
from portal.models import Role
from tests.factories import UserFactory

from .conftest import ANSWERS, applicant, receive, returned_dossier

RATE_LINK = re.compile(r"https?://\S+/rate/\S+")


def sent(template):
    return [m for m in memory.outbox if m.template_key == template]


def post_answers(client, url, **overrides):
    return client.post(url, {**ANSWERS, "comment": "Cán bộ nhiệt tình", **overrides})


def link_path(message) -> str:
    return urlsplit(RATE_LINK.search(message.body).group(0)).path


# --- The invitation ------------------------------------------------------------------------


def test_invitation_sent_once_per_channel_when_the_result_is_returned(
    three_day_procedure, desk_officer, leader, specialist, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        d = returned_dossier(three_day_procedure, desk_officer, leader, specialist)
    sms, email = ([m for m in sent("rate_invitation") if m.channel == c] for c in ("sms", "email"))
    assert len(sms) == 1 and len(email) == 1
    assert email[0].recipient == "an@example.vn"
    assert d.code in sms[0].body and RATE_LINK.search(sms[0].body)
    assert len(sms[0].body) <= 160  # one SMS with the real signed link
    # Asking again for the same event (or another return event) sends nothing new.
    with django_capture_on_commit_callbacks(execute=True):
        notify.citizen_about(d, d.events.get(action="return_result"))
    assert Notification.objects.filter(template_key="rate_invitation").count() == 2


def test_no_invitation_before_the_return(
    three_day_procedure, desk_officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        receive(three_day_procedure, desk_officer)
    assert sent("rate_invitation") == []


def test_invitation_on_receive_and_return_at_the_counter_on_chosen_channels(
    same_day_procedure, desk_officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        receive(
            same_day_procedure,
            desk_officer,
            outcome="receive_and_return",
            result="Bản sao đã chứng thực",
            returned_to="Nguyễn Văn An",
            notify_channels=["sms"],
        )
    (invitation,) = sent("rate_invitation")
    assert invitation.channel == "sms"


def test_the_link_in_the_message_opens_the_rating_form(
    three_day_procedure,
    desk_officer,
    leader,
    specialist,
    client,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        d = returned_dossier(three_day_procedure, desk_officer, leader, specialist)
    (email,) = [m for m in sent("rate_invitation") if m.channel == "email"]
    response = client.get(link_path(email))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Đánh giá mức độ hài lòng" in html and d.code in html
    levels = ("Rất hài lòng", "Hài lòng", "Bình thường", "Không hài lòng", "Rất không hài lòng")
    assert all(level in html for level in levels)


# --- Rating by the link --------------------------------------------------------------------


def test_rating_by_token_is_recorded_with_units_and_channel(returned, client):
    url = notify.RATING_PATH + notify.rating_token(returned)
    response = post_answers(client, url)
    assert response.status_code == 200
    assert "Cảm ơn ông/bà đã đánh giá" in response.content.decode()
    rating = Rating.objects.get(dossier=returned)
    assert (rating.overall, rating.timeliness, rating.attitude, rating.clarity) == (5, 4, 5, 3)
    assert rating.channel == RatingChannel.WEB
    assert rating.receiving_unit_id == returned.receiving_unit_id
    assert rating.competent_unit_id == returned.competent_unit_id
    assert rating.comment == "Cán bộ nhiệt tình"


def test_missing_answer_is_a_form_error_and_nothing_is_saved(returned, client):
    url = notify.RATING_PATH + notify.rating_token(returned)
    response = client.post(url, {"overall": 5, "timeliness": 4, "attitude": 9})
    assert response.status_code == 400
    assert "Chọn một mức đánh giá." in response.content.decode()
    assert not Rating.objects.exists()


def test_expired_link_is_refused_with_a_way_to_rate_by_code(returned, client, settings):
    settings.RATING_LINK_MAX_AGE_DAYS = 30
    with time_machine.travel(dt.datetime(2026, 12, 7, 10, tzinfo=dt.UTC), tick=False):
        url = notify.RATING_PATH + notify.rating_token(returned)
    with time_machine.travel(dt.datetime(2027, 1, 7, 10, tzinfo=dt.UTC), tick=False):
        response = client.get(url)
        posted = post_answers(client, url)
    assert response.status_code == 410 and posted.status_code == 410
    html = response.content.decode()
    assert "Đường dẫn đánh giá đã hết hạn." in html
    assert 'name="code"' in html and 'name="factor"' in html
    assert not Rating.objects.exists()


def test_link_still_valid_before_the_max_age(returned, client, settings):
    settings.RATING_LINK_MAX_AGE_DAYS = 30
    with time_machine.travel(dt.datetime(2026, 12, 7, 10, tzinfo=dt.UTC), tick=False):
        url = notify.RATING_PATH + notify.rating_token(returned)
    with time_machine.travel(dt.datetime(2027, 1, 5, 10, tzinfo=dt.UTC), tick=False):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    "token",
    [
        "not-a-token",
        "MTIz:1vQ0oU:x3Vh6Zs1eQm0n2bq8y4kP9aTfJcRwLd7uHgEiO5NvYA",
        signing.dumps(1, salt="another-salt"),
    ],
)
def test_forged_link_is_refused(returned, client, token):
    response = client.get(notify.RATING_PATH + token)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Đường dẫn đánh giá không hợp lệ." in html and 'name="factor"' in html


def test_link_of_a_deleted_dossier_is_refused(returned, client):
    url = notify.RATING_PATH + signing.dumps(987654, salt=notify.RATING_TOKEN_SALT)
    assert client.get(url).status_code == 400


def test_second_rating_is_refused_with_thanks(returned, client):
    url = notify.RATING_PATH + notify.rating_token(returned)
    post_answers(client, url)
    again = post_answers(client, url, overall=1)
    assert again.status_code == 409
    assert "Hồ sơ này đã được đánh giá. Cảm ơn ông/bà!" in again.content.decode()
    shown = client.get(url)
    assert shown.status_code == 200 and "đã được đánh giá" in shown.content.decode()
    assert Rating.objects.get().overall == 5
    with pytest.raises(feedback_services.AlreadyRated):
        feedback_services.submit_rating(returned, answers=ANSWERS, channel="web")


@pytest.mark.django_db(transaction=True)
def test_two_ratings_at_once_one_wins(three_day_procedure, desk_officer, leader, specialist):
    d = returned_dossier(three_day_procedure, desk_officer, leader, specialist)
    barrier, outcomes = threading.Barrier(2), []

    def rate(overall):
        try:
            barrier.wait()
            feedback_services.submit_rating(
                d, answers={**ANSWERS, "overall": overall}, channel="web"
            )
            outcomes.append("ok")
        except feedback_services.AlreadyRated:
            outcomes.append("already")
        finally:
            connection.close()

    threads = [threading.Thread(target=rate, args=(n,)) for n in (1, 5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["already", "ok"]
    assert Rating.objects.filter(dossier=d).count() == 1


def test_a_dossier_not_returned_cannot_be_rated(three_day_procedure, desk_officer, client):
    d = receive(three_day_procedure, desk_officer)
    with pytest.raises(feedback_services.WrongStatus):
        feedback_services.submit_rating(d, answers=ANSWERS, channel="web")
    url = notify.RATING_PATH + notify.rating_token(d)
    response = post_answers(client, url)
    assert response.status_code == 409
    assert "Chỉ đánh giá được hồ sơ đã trả kết quả." in response.content.decode()
    assert not Rating.objects.exists()


def test_scores_outside_the_scale_are_refused_by_the_service(returned):
    with pytest.raises(feedback_services.InvalidInput) as err:
        feedback_services.submit_rating(returned, answers={**ANSWERS, "clarity": 6}, channel="web")
    assert "clarity" in err.value.errors
    assert not Rating.objects.exists()


# --- Rating without the link ---------------------------------------------------------------


def test_rate_by_code_and_phone_leads_to_a_fresh_link(returned, client):
    response = client.post("/rate/", {"code": returned.code, "factor": "0912345678"})
    assert response.status_code == 302
    assert response["Location"].startswith("/rate/")
    assert post_answers(client, response["Location"]).status_code == 200
    assert Rating.objects.get().channel == RatingChannel.WEB


def test_rate_by_code_wrong_factor_and_rate_limit(returned, client, settings):
    settings.TRACK_RATE_LIMIT = "3/10m"
    for _attempt in range(3):
        wrong = client.post("/rate/", {"code": returned.code, "factor": "0999999999"})
        assert wrong.status_code == 404
        assert "Không tìm thấy hồ sơ." in wrong.content.decode()
    limited = client.post("/rate/", {"code": returned.code, "factor": "0912345678"})
    assert limited.status_code == 429 and "Retry-After" in limited


# --- At the counter ------------------------------------------------------------------------


def test_counter_tablet_records_channel_counter(returned, desk_officer, client):
    client.force_login(desk_officer)
    page = client.get(f"/desk/dossiers/{returned.code}/")
    assert f"/desk/dossiers/{returned.code}/rate/" in page.content.decode()
    url = f"/desk/dossiers/{returned.code}/rate/"
    form = client.get(url)
    assert form.status_code == 200 and 'class="kiosk"' in form.content.decode()
    done = post_answers(client, url)
    assert done.status_code == 200 and "Cảm ơn ông/bà đã đánh giá" in done.content.decode()
    rating = Rating.objects.get()
    assert rating.channel == RatingChannel.COUNTER and rating.recorded_by == desk_officer
    page = client.get(f"/desk/dossiers/{returned.code}/").content.decode()
    assert "Công dân đã đánh giá: Rất hài lòng" in page
    assert f"/desk/dossiers/{returned.code}/rate/" not in page


def test_counter_tablet_only_for_the_units_desk_officers(returned, specialist, other_desk, client):
    url = f"/desk/dossiers/{returned.code}/rate/"
    client.force_login(specialist)
    assert client.get(url).status_code == 403
    assert post_answers(client, url).status_code == 403
    client.force_login(other_desk)
    assert client.get(url).status_code == 404
    assert not Rating.objects.exists()
    client.logout()
    assert client.get(url).status_code == 302  # to the desk login


def test_counter_tablet_no_link_before_the_return(three_day_procedure, desk_officer, client):
    d = receive(three_day_procedure, desk_officer)
    client.force_login(desk_officer)
    page = client.get(f"/desk/dossiers/{d.code}/").content.decode()
    assert f"/desk/dossiers/{d.code}/rate/" not in page
    assert client.get(f"/desk/dossiers/{d.code}/rate/").status_code == 409


# --- From the tracking page and the citizen's account -------------------------------------


def test_tracking_page_invites_until_rated(returned, client):
    page = client.post("/track", {"code": returned.code, "factor": "0912345678"})
    html = page.content.decode()
    assert "Đánh giá mức độ hài lòng" in html
    url = re.search(r'href="(/rate/[^"]+)"', html).group(1)
    post_answers(client, url)
    html = client.post("/track", {"code": returned.code, "factor": "0912345678"}).content.decode()
    assert 'href="/rate/' not in html
    assert "Ông/bà đã đánh giá hồ sơ này" in html


def test_tracking_page_of_an_open_dossier_has_no_rating_link(
    three_day_procedure, desk_officer, client
):
    d = receive(three_day_procedure, desk_officer)
    html = client.post("/track", {"code": d.code, "factor": "0912345678"}).content.decode()
    assert "/rate/" not in html
    assert "/feedback/new/?dossier=" in html


def test_citizen_rates_own_dossier_from_the_account(returned, citizen, client):
    # The citizen's verified phone is the applicant's.
    client.force_login(citizen)
    url = f"/rate/account/{returned.code}/"
    assert client.get(url).status_code == 200
    assert post_answers(client, url).status_code == 200
    rating = Rating.objects.get()
    assert rating.channel == RatingChannel.ACCOUNT and rating.recorded_by == citizen


def test_citizen_cannot_rate_another_citizens_dossier(
    three_day_procedure, desk_officer, leader, specialist, citizen, client
):
    d = returned_dossier(
        three_day_procedure,
        desk_officer,
        leader,
        specialist,
        applicant=applicant(phone="0977000111", id_number="079999999999"),
    )
    client.force_login(citizen)
    url = f"/rate/account/{d.code}/"
    assert client.get(url).status_code == 404
    assert post_answers(client, url).status_code == 404
    assert not Rating.objects.exists()


def test_account_rating_needs_a_citizen_login(returned, desk_officer, client):
    url = f"/rate/account/{returned.code}/"
    assert client.get(url).status_code == 302
    client.force_login(desk_officer)
    assert client.get(url).status_code == 403


def test_staff_cannot_rate_by_counter_for_a_province_admin(returned, province, client):
    admin = UserFactory(username="padmin", role=Role.PROVINCE_ADMIN, unit=province)
    client.force_login(admin)
    assert client.get(f"/desk/dossiers/{returned.code}/rate/").status_code == 403
    assert returned.status == DossierStatus.RETURNED


def test_account_dossier_page_links_to_the_account_rating(returned, citizen, client):
    client.force_login(citizen)
    html = client.get(f"/account/dossiers/{returned.code}/").content.decode()
    assert f'href="/rate/account/{returned.code}/"' in html
    assert "/feedback/new/?dossier=" in html
    post_answers(client, f"/rate/account/{returned.code}/")
    html = client.get(f"/account/dossiers/{returned.code}/").content.decode()
    assert "/rate/account/" not in html and "Ông/bà đã đánh giá hồ sơ này" in html
