from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse

from clients.models import Client, Note
from communications.models import CommunicationSettings, Message, MessageTemplate
from timeline.models import Activity

from .factories import MessageFactory

ID_VIEWS_GET = ["communications:detail", "communications:edit"]
ID_VIEWS_POST = [
    "communications:approve",
    "communications:cancel",
    "communications:retry",
    "communications:resend",
    "communications:reschedule",
]
CLIENT_VIEWS = ["communications:compose", "communications:log", "communications:client_settings"]


@pytest.fixture
def draft(acme: Client) -> Message:
    return MessageFactory(client=acme, subject="Entwurf für Acme")


@pytest.mark.parametrize("name", ID_VIEWS_GET)
def test_it_shows_own_messages(alice_client: Any, draft: Message, name: str) -> None:
    assert alice_client.get(reverse(name, args=[draft.pk])).status_code == 200


@pytest.mark.parametrize("name", ID_VIEWS_GET + ID_VIEWS_POST)
def test_it_hides_another_freelancers_message(bob_client: Any, draft: Message, name: str) -> None:
    method = bob_client.get if name in ID_VIEWS_GET else bob_client.post
    assert method(reverse(name, args=[draft.pk])).status_code == 404
    draft.refresh_from_db()
    assert draft.status == Message.Status.DRAFT


@pytest.mark.parametrize("name", ID_VIEWS_GET + ID_VIEWS_POST)
def test_it_sends_anonymous_users_to_login(anon_client: Any, draft: Message, name: str) -> None:
    method = anon_client.get if name in ID_VIEWS_GET else anon_client.post
    response = method(reverse(name, args=[draft.pk]))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("name", CLIENT_VIEWS)
def test_it_opens_client_views_for_own_client_only(
    alice_client: Any, bob_client: Any, anon_client: Any, acme: Client, name: str
) -> None:
    url = reverse(name, args=[acme.pk])
    assert alice_client.get(url).status_code == 200


@pytest.mark.parametrize("name", CLIENT_VIEWS)
def test_it_hides_another_freelancers_client(bob_client: Any, acme: Client, name: str) -> None:
    assert bob_client.get(reverse(name, args=[acme.pk])).status_code == 404


@pytest.mark.parametrize("name", CLIENT_VIEWS)
def test_it_sends_anonymous_users_to_login_for_client_views(
    anon_client: Any, acme: Client, name: str
) -> None:
    assert anon_client.get(reverse(name, args=[acme.pk])).status_code == 302


def test_it_lists_messages_with_a_constant_number_of_queries(
    alice_client: Any, acme: Client, initech: Client, django_assert_num_queries: Any
) -> None:
    for client in (acme, initech):
        MessageFactory.create_batch(3, client=client)
    url = reverse("communications:list")
    alice_client.get(url)
    # Session, user, profile, messages, count, drafts: the client filter lists no clients.
    with django_assert_num_queries(6) as few:
        alice_client.get(url)
    MessageFactory.create_batch(30, client=acme)
    with django_assert_num_queries(len(few.captured_queries)):
        response = alice_client.get(url)
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 36


def test_it_filters_by_status_kind_and_client(
    alice_client: Any, acme: Client, initech: Client, globex: Client
) -> None:
    MessageFactory(client=acme, subject="A draft")
    MessageFactory(client=initech, subject="I sent", status=Message.Status.SENT)
    MessageFactory(client=globex, subject="Bob's")
    response = alice_client.get(reverse("communications:list"), {"status": "sent"})
    assert [m.subject for m in response.context["page"]] == ["I sent"]
    response = alice_client.get(reverse("communications:list"), {"client": acme.pk})
    assert [m.subject for m in response.context["page"]] == ["A draft"]
    response = alice_client.get(reverse("communications:list"))
    assert "Bob's" not in response.content.decode()


def test_it_keeps_the_chosen_filters_selected(
    alice_client: Any, acme: Client, initech: Client
) -> None:
    response = alice_client.get(
        reverse("communications:list"), {"status": "sent", "client": initech.pk}
    )
    html = response.content.decode()
    assert f'<option value="{initech.pk}" selected>Initech' in html
    # The client picker holds only the chosen client; others arrive as the user types.
    assert f'<option value="{acme.pk}">' not in html
    assert '<option value="sent" selected>' in html


def test_it_approves_a_draft_in_place_with_htmx(alice_client: Any, draft: Message) -> None:
    response = alice_client.post(
        reverse("communications:approve", args=[draft.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert f'id="message-{draft.pk}"' in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == Message.Status.SCHEDULED
    assert draft.send_after is not None


def test_it_cancels_and_refuses_to_cancel_a_sent_message(alice_client: Any, acme: Client) -> None:
    draft = MessageFactory(client=acme)
    alice_client.post(reverse("communications:cancel", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.status == Message.Status.CANCELLED
    sent = MessageFactory(client=acme, status=Message.Status.SENT)
    response = alice_client.post(
        reverse("communications:cancel", args=[sent.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "already gone out" in response.content.decode()
    sent.refresh_from_db()
    assert sent.status == Message.Status.SENT


def test_it_reschedules_and_refuses_a_past_time(alice_client: Any, draft: Message) -> None:
    url = reverse("communications:reschedule", args=[draft.pk])
    alice_client.post(url, {"send_after": "2099-01-05T10:00"})
    draft.refresh_from_db()
    assert draft.send_after.year == 2099
    response = alice_client.post(url, {"send_after": "2001-01-05T10:00"}, follow=True)
    assert response.status_code == 200
    assert "future" in response.content.decode()


def test_it_edits_a_draft(alice_client: Any, draft: Message) -> None:
    response = alice_client.post(
        reverse("communications:edit", args=[draft.pk]),
        {"subject": "Neuer\nBetreff", "body_text": "Hallo <b>du</b>"},
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.subject == "Neuer Betreff"
    assert "&lt;b&gt;" in draft.body_html


def test_it_explains_an_uncertain_message_in_the_freelancers_language(
    alice: Any, alice_client: Any, acme: Client
) -> None:
    stored = "The send was interrupted after the message was handed to the mail server"
    uncertain = MessageFactory(
        client=acme, status=Message.Status.UNCERTAIN, last_error=f"{stored}; ..."
    )
    alice.profile.language = "de"
    alice.profile.save()
    for url in (
        reverse("communications:list"),
        reverse("communications:detail", args=[uncertain.pk]),
    ):
        page = alice_client.get(url).content.decode()
        assert "Der Versand wurde unterbrochen" in page
        assert stored not in page


def test_it_retries_a_failed_message_and_resends_an_uncertain_one(
    alice_client: Any, acme: Client
) -> None:
    failed = MessageFactory(client=acme, status=Message.Status.FAILED, last_error="550 refused")
    uncertain = MessageFactory(client=acme, status=Message.Status.UNCERTAIN, last_error="lost")
    page = alice_client.get(reverse("communications:list")).content.decode()
    assert "550 refused" in page
    assert "Resend" in page
    alice_client.post(reverse("communications:retry", args=[failed.pk]))
    alice_client.post(reverse("communications:resend", args=[uncertain.pk]))
    failed.refresh_from_db()
    uncertain.refresh_from_db()
    assert failed.status == uncertain.status == Message.Status.SCHEDULED


def test_it_composes_a_one_off_with_the_clients_notes_beside_it(
    alice_client: Any, acme: Client
) -> None:
    Note.objects.create(client=acme, kind=Note.Kind.NO_GO, body="Nie vor 10 Uhr anrufen")
    url = reverse("communications:compose", args=[acme.pk])
    assert "Nie vor 10 Uhr anrufen" in alice_client.get(url).content.decode()
    response = alice_client.post(
        url, {"subject": "Kurze Frage", "body": "Passt Dienstag?", "send": "1"}
    )
    message = Message.objects.get(kind=Message.Kind.ONE_OFF)
    assert response["Location"] == reverse("communications:detail", args=[message.pk])
    assert message.status == Message.Status.SCHEDULED
    assert message.subject == "Kurze Frage"
    assert message.body_text.startswith("Sehr geehrte Frau Dr. Weber,\n\nPasst Dienstag?")


def test_it_refuses_an_empty_one_off(alice_client: Any, acme: Client) -> None:
    response = alice_client.post(reverse("communications:compose", args=[acme.pk]), {})
    assert response.status_code == 200
    assert not Message.objects.exists()


def test_it_logs_a_call_on_the_timeline(alice_client: Any, acme: Client) -> None:
    response = alice_client.post(
        reverse("communications:log", args=[acme.pk]),
        {"kind": "call", "occurred_at": "2026-11-20T14:00", "summary": "Abstimmung Farben"},
    )
    assert response.status_code == 302
    activity = Activity.objects.get(client=acme)
    assert activity.kind == Activity.Kind.CALL
    assert activity.summary == "Abstimmung Farben"


def test_it_saves_settings_and_refuses_offsets_that_make_no_sense(
    alice_client: Any, alice: Any
) -> None:
    url = reverse("communications:settings")
    data = {
        "min_gap_days": 3,
        "quiet_from": "19:00",
        "quiet_until": "08:00",
        "status_update_mode": "auto",
        "nothing_new": "skip",
        "delay_notice_mode": "draft",
        "reminder_mode": "draft",
        "reminder_1_days": 20,
        "reminder_2_days": 10,
        "reminder_3_days": 28,
        "grace_new_days": 0,
        "grace_regular_days": 3,
        "grace_loyal_days": 7,
        "keep_in_touch_weeks": 6,
        "reply_pause_days": 3,
    }
    response = alice_client.post(url, data)
    assert response.status_code == 200
    assert "must rise" in response.content.decode()
    assert not CommunicationSettings.objects.exists()
    data["reminder_1_days"] = 5
    assert alice_client.post(url, data).status_code == 302
    saved = CommunicationSettings.objects.get(owner=alice)
    assert saved.reminder_1_days == 5
    assert (saved.grace_new_days, saved.grace_regular_days, saved.grace_loyal_days) == (0, 3, 7)


def test_it_refuses_a_template_with_an_unknown_variable_with_the_line(
    alice_client: Any,
) -> None:
    url = reverse("communications:template_edit", args=["reminder_1", "de", "formal"])
    assert alice_client.get(url).status_code == 200
    response = alice_client.post(
        url, {"subject": "Hallo", "body": "{{ tone.greeting }}\n\n{{ settings.SECRET_KEY }}"}
    )
    assert response.status_code == 200
    assert "Line 3" in response.content.decode()
    assert not MessageTemplate.objects.exists()
    response = alice_client.post(url, {"subject": "Hallo", "body": "{% if x %}"})
    assert "Line 1" in response.content.decode()


def test_it_saves_an_override_that_planners_then_use(alice_client: Any, acme: Client) -> None:
    from communications import services

    url = reverse("communications:template_edit", args=["one_off", "de", "formal"])
    alice_client.post(url, {"subject": "Von mir", "body": "{{ tone.greeting }} {{ body }} Ciao"})
    message, _ = services.message_compose(kind="one_off", client=acme, dedupe_key="k", body="Text")
    assert message.subject == "Von mir"
    assert message.body_text.strip() == "Sehr geehrte Frau Dr. Weber, Text Ciao"


def test_it_previews_a_template_for_a_chosen_client(
    alice_client: Any, acme: Client, globex: Client
) -> None:
    url = reverse("communications:template_preview", args=["reminder_1", "de", "informal"])
    response = alice_client.post(
        url, {"client": acme.pk, "subject": "Hi {{ client.name }}", "body": "{{ tone.greeting }}"}
    )
    assert "Hi Acme GmbH" in response.content.decode()
    assert "Sehr geehrte Frau Dr. Weber," in response.content.decode()
    response = alice_client.post(url, {"client": globex.pk, "subject": "x", "body": "y"})
    assert "Choose one of your clients" in response.content.decode()
    response = alice_client.post(url, {"client": acme.pk, "subject": "x", "body": "{{ nope }}"})
    assert "Unknown variable" in response.content.decode()


def test_it_answers_404_for_an_unknown_template_variant(alice_client: Any) -> None:
    url = reverse("communications:template_edit", args=["nope", "de", "formal"])
    assert alice_client.get(url).status_code == 404


def test_it_pauses_and_lifts_reminders_for_a_client(alice_client: Any, acme: Client) -> None:
    url = reverse("communications:pause_create", args=[acme.pk])
    alice_client.post(url, {"reason": "Reklamation", "until_on": ""})
    pause = acme.reminder_pauses.get()
    assert pause.reason == "Reklamation"
    alice_client.post(reverse("communications:pause_lift", args=[acme.pk, pause.pk]))
    pause.refresh_from_db()
    assert pause.lifted_at is not None
    today = datetime.datetime.now(tz=datetime.UTC).date()
    response = alice_client.post(
        url,
        {"reason": "x", "until_on": (today - datetime.timedelta(days=3)).isoformat()},
        follow=True,
    )
    assert "past" in response.content.decode()
