"""A talk in a private channel: only its members, organiser, speakers and our admins see it or act on it, through
every surface (Home, list, report/export lookups, RSVP, asking, voting); refusals never carry its title; someone
who leaves the channel stops getting its reminders and link."""

from __future__ import annotations

import json
import time
from datetime import timedelta

from bot import ids
from bot.container import Container
from tests.conftest import ADMIN, ATTENDEE, GENERAL, ORGANISER, OTHER
from tests.fakes.slack_api import Call, FakeSlack
from tests.helpers import block_texts, create_talk, rsvps_in_db, talks_in_db
from tests.lifecycle.test_home import open_home
from tests.privacy.conftest import MEMBER, PRIVATE
from tests.questions.helpers import ask_by_modal, question_values, questions_in_db, vote, votes_in_db, wait_until
from tests.slack_driver import SlackDriver

SECRET = "Secret Roadmap"
URL = "https://zoom.example.com/j/777"


def said_to(fake: FakeSlack, user: str) -> list[str]:
    """Every text the bot showed this user: ephemerals, DMs, response_url replies, their Home tab."""
    out: list[str] = []
    for call in fake.calls:
        params = call.params
        to_user = (
            (call.method == "chat.postEphemeral" and params.get("user") == user)
            or (call.method == "chat.postMessage" and params.get("channel") == user)
            or (call.method == "views.publish" and params.get("user_id") == user)
            or call.method.startswith("webhook/")
        )
        if to_user:
            out.append(json.dumps(params, ensure_ascii=False))
    return out


def wait_said(fake: FakeSlack, user: str, count: int = 1) -> list[str]:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if len(found := said_to(fake, user)) >= count:
            return found
        time.sleep(0.02)
    raise AssertionError(f"nothing said to {user}: {fake.describe_calls()}")


def list_text(slack: SlackDriver, fake: FakeSlack, user: str) -> str:
    slack.command("list", user=user)
    [reply] = fake.wait_for(slack.last_webhook)
    return json.dumps(reply.params, ensure_ascii=False)


def test_non_member_neither_sees_nor_touches_a_private_talk(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    create_talk(slack, fake_slack, container, title="Open Talk", channel=GENERAL)
    talk_id, ts = create_talk(slack, fake_slack, container, title=SECRET, channel=PRIVATE, url=URL)

    # Home and list: members, the organiser and our admins see it; a non-member sees only the public talk.
    for user in (ATTENDEE, ADMIN, ORGANISER):
        assert SECRET in block_texts(open_home(slack, fake_slack, user)["blocks"]), user
        assert SECRET in list_text(slack, fake_slack, user), user
    home = block_texts(open_home(slack, fake_slack, OTHER)["blocks"])
    assert "Open Talk" in home and SECRET not in home
    listed = list_text(slack, fake_slack, OTHER)
    assert "Open Talk" in listed and SECRET not in listed
    assert fake_slack.calls_to("conversations.members"), "membership comes from conversations.members"

    # RSVP (a forged click, as the button is in a channel they are not in): refused without the title.
    fake_slack.reset_calls()
    slack.button(ids.ACTION_RSVP_GOING, str(talk_id), user=OTHER, channel=GENERAL, message_ts=ts)
    [refusal] = wait_said(fake_slack, OTHER)
    assert "can't find that talk" in refusal
    assert [r.user_id for r in rsvps_in_db(container, talk_id)] == []

    # report / export by id and by title: "not found", like a talk that does not exist.
    for text in (f"report {talk_id}", f"export #{talk_id}", "report secret road"):
        slack.command(text, user=OTHER)
        [reply] = fake_slack.wait_for(slack.last_webhook)
        assert "can't find a talk" in reply.params["text"], text

    # Asking: the button opens no modal; a forged modal submission is refused inline and stores nothing.
    slack.button(ids.ACTION_ASK_QUESTION, str(talk_id), user=OTHER, channel=GENERAL, message_ts=ts)
    wait_said(fake_slack, OTHER, count=5)
    assert fake_slack.calls_to("views.open") == []
    view = {"type": "modal", "callback_id": ids.CALLBACK_QUESTION_ASK, "private_metadata": f"{talk_id}|", "blocks": []}
    response = slack.submit_view(view, question_values("What is on the roadmap?"), user=OTHER)
    assert response.status_code == 200 and json.loads(response.text)["response_action"] == "errors"
    assert questions_in_db(container, talk_id) == []

    # Everything the non-member was shown so far: never the title.
    assert all(SECRET not in text for text in said_to(fake_slack, OTHER))
    assert SECRET not in response.text

    # Live: a member asks; the non-member's vote on it is refused and not stored.
    container.lifecycle.go_live(talk_id, now=talks_in_db(container)[-1].starts_at)
    container.refresher.flush()
    assert ask_by_modal(slack, fake_slack, talk_id=talk_id, user=ATTENDEE, text="When?", message_ts=ts).ok
    wait_until(lambda: len(questions_in_db(container, talk_id)) == 1)
    question = questions_in_db(container, talk_id)[0]
    fake_slack.reset_calls()
    vote(slack, question.id, user=OTHER, ts=ts)
    [refusal] = wait_said(fake_slack, OTHER)
    assert SECRET not in refusal
    vote(slack, question.id, user=MEMBER, ts=ts)
    wait_until(lambda: votes_in_db(container, question.id) == [MEMBER])


def _reminder_dms(fake: FakeSlack) -> dict[str, Call]:
    return {
        c.params["channel"]: c
        for c in fake.calls_to("chat.postMessage")
        if (c.params.get("metadata") or {}).get("event_payload", {}).get("kind", "").startswith("reminder_")
        and c.params["channel"].startswith("U")
    }


def test_member_who_leaves_the_channel_gets_no_reminder_link_or_home_entry(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    talk_id, ts = create_talk(slack, fake_slack, container, title=SECRET, channel=PRIVATE, url=URL)
    for user in (ATTENDEE, MEMBER):
        slack.button(ids.ACTION_RSVP_GOING, str(talk_id), user=user, channel=PRIVATE, message_ts=ts)
    wait_until(lambda: len(rsvps_in_db(container, talk_id)) == 2)

    # The attendee leaves the private channel.
    fake_slack.set_members(PRIVATE, [ORGANISER, MEMBER])
    fake_slack.reset_calls()
    talk = talks_in_db(container)[-1]
    assert container.lifecycle.send_reminder(talk_id, 10, now=talk.starts_at - timedelta(minutes=10))
    dms = _reminder_dms(fake_slack)
    assert set(dms) == {MEMBER}
    assert URL in dms[MEMBER].params["text"]
    assert not [c for c in fake_slack.calls if URL in json.dumps(c.params) and c.params.get("channel") == ATTENDEE]

    # Nor the survey after the talk (it names the talk).
    assert container.surveys.recipients(talk_id) == {MEMBER}

    # Home and RSVP follow the membership too.
    assert SECRET not in block_texts(open_home(slack, fake_slack, ATTENDEE)["blocks"])
    fake_slack.reset_calls()
    slack.button(ids.ACTION_RSVP_NOT_GOING, str(talk_id), user=ATTENDEE, channel=GENERAL, message_ts=ts)
    [refusal] = wait_said(fake_slack, ATTENDEE)
    assert "can't find that talk" in refusal and SECRET not in refusal
    going = {r.user_id: r.going for r in rsvps_in_db(container, talk_id)}
    assert going == {ATTENDEE: True, MEMBER: True}  # the refused click changed nothing
