"""Management is bound to the installed workspace (auth.test): a Slack Connect admin from another workspace, or a
payload from another team, cannot cancel; external guests may still RSVP and ask."""

from __future__ import annotations

import json
import time
from typing import Any

from bot import ids
from bot.container import Container
from bot.db import repositories as repo
from bot.db.models import Talk, TalkStatus
from tests.conftest import ADMIN, GENERAL, ORGANISER
from tests.fakes.slack_api import FakeSlack
from tests.helpers import create_talk, rsvps_in_db, talk_values, talks_in_db
from tests.privacy.conftest import EXTERNAL, EXTERNAL_TEAM
from tests.questions.helpers import question_values, questions_in_db, wait_until
from tests.slack_driver import SlackDriver


def _menu_cancel(talk_id: int, ts: str, *, user: str, user_team: str, team: str) -> dict[str, Any]:
    """The overflow menu's Cancel click as Slack sends it from a shared channel: `team` is where the action came
    from, `user.team_id` the person's own workspace."""
    return {
        "type": "block_actions",
        "team": {"id": team, "domain": "partner"},
        "user": {"id": user, "team_id": user_team, "name": user.lower()},
        "api_app_id": "AFAKE",
        "trigger_id": f"trigger-{user}-{team}",
        "container": {"type": "message", "channel_id": GENERAL, "message_ts": ts, "is_ephemeral": False},
        "channel": {"id": GENERAL, "name": "general"},
        "message": {"ts": ts, "type": "message", "user": "UBOT"},
        "actions": [
            {
                "type": "overflow",
                "action_id": ids.ACTION_TALK_MENU,
                "block_id": "b",
                "action_ts": f"{time.time():.6f}",
                "selected_option": {
                    "text": {"type": "plain_text", "text": "x"},
                    "value": f"{ids.MENU_CANCEL}:{talk_id}",
                },
            }
        ],
    }


def _cancel_submission(talk_id: int, *, user: str, user_team: str, team: str) -> dict[str, Any]:
    return {
        "type": "view_submission",
        "team": {"id": team, "domain": "partner"},
        "user": {"id": user, "team_id": user_team, "name": user.lower()},
        "api_app_id": "AFAKE",
        "trigger_id": f"trigger-submit-{user}-{team}",
        "view": {
            "id": f"VCANCEL{user}{team}",
            "type": "modal",
            "team_id": team,
            "callback_id": ids.CALLBACK_TALK_CANCEL,
            "private_metadata": str(talk_id),
            "blocks": [],
            "state": {"values": {}},
            "hash": "h",
        },
        "response_urls": [],
    }


def test_only_our_workspace_manages_external_guests_may_rsvp_and_ask(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    talk_id, ts = create_talk(slack, fake_slack, container, title="Shared Talk", channel=GENERAL)
    assert fake_slack.calls_to("auth.test") or container.slack.installed_team_id() == "T1"
    fake_slack.reset_calls()

    refused = [
        (EXTERNAL, EXTERNAL_TEAM, EXTERNAL_TEAM),  # a partner's admin, from their workspace
        (EXTERNAL, "T1", "T1"),  # the same guest claiming to be ours: users.info says T2
        (ADMIN, "T1", EXTERNAL_TEAM),  # our admin, but the payload comes from another team
    ]
    for user, user_team, team in refused:
        slack.interactive(_menu_cancel(talk_id, ts, user=user, user_team=user_team, team=team))
        response = slack.interactive(_cancel_submission(talk_id, user=user, user_team=user_team, team=team))
        assert response.status_code == 200
        body = json.loads(response.text)
        assert body["response_action"] == "errors", (user, team)
        assert "Only the organiser, the speakers or a workspace admin" in body["errors"][ids.BLOCK_CANCEL_REASON]
    assert fake_slack.calls_to("views.open") == []  # no cancel dialog opened for any of them
    assert talks_in_db(container)[-1].status is TalkStatus.SCHEDULED

    # The guest may RSVP and ask in advance.
    guest_click = _menu_cancel(talk_id, ts, user=EXTERNAL, user_team=EXTERNAL_TEAM, team=EXTERNAL_TEAM)
    guest_click["actions"] = [
        {"type": "button", "action_id": ids.ACTION_RSVP_GOING, "block_id": "b", "value": str(talk_id)}
    ]
    assert slack.interactive(guest_click).status_code == 200
    wait_until(lambda: [r.user_id for r in rsvps_in_db(container, talk_id)] == [EXTERNAL])
    ask = _cancel_submission(talk_id, user=EXTERNAL, user_team=EXTERNAL_TEAM, team=EXTERNAL_TEAM)
    ask["view"].update(callback_id=ids.CALLBACK_QUESTION_ASK, private_metadata=f"{talk_id}|{GENERAL}")
    ask["view"]["state"] = {"values": question_values("Will the slides be shared?")}
    assert slack.interactive(ask).text in ("", "{}")
    wait_until(lambda: [q.asker_id for q in questions_in_db(container, talk_id)] == [EXTERNAL])

    # Our own admin, from our workspace, may cancel.
    response = slack.interactive(_cancel_submission(talk_id, user=ADMIN, user_team="T1", team="T1"))
    assert response.text in ("", "{}")
    wait_until(lambda: talks_in_db(container)[-1].status is TalkStatus.CANCELLED)


def test_a_talk_of_another_workspace_is_not_managed_even_by_its_organiser(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    talk_id, _ = create_talk(slack, fake_slack, container, title="Old Import", channel=GENERAL)
    with container.db.session() as session:
        repo.ensure_workspace(session=session, team_id="T9")
        talk = session.get(Talk, talk_id)
        assert talk is not None
        talk.team_id = "T9"  # e.g. a row carried over from another installation
    response = slack.interactive(_cancel_submission(talk_id, user=ORGANISER, user_team="T1", team="T1"))
    assert json.loads(response.text)["response_action"] == "errors"
    assert talks_in_db(container)[-1].status is TalkStatus.SCHEDULED


def test_an_external_guest_cannot_plan_a_talk(slack: SlackDriver, fake_slack: FakeSlack, container: Container) -> None:
    slack.command("new Guest talk", user=EXTERNAL)
    [reply] = fake_slack.wait_for(slack.last_webhook)
    assert reply.params["text"].startswith("Only people of this workspace can plan talks")
    assert fake_slack.calls_to("views.open") == []

    # A submission of the new-talk form, forged or from a modal opened before: refused inline, nothing stored.
    view = {"type": "modal", "callback_id": ids.CALLBACK_TALK_NEW, "private_metadata": "", "blocks": []}
    response = slack.submit_view(view, talk_values(title="Guest talk", speakers=[EXTERNAL]), user=EXTERNAL)
    assert json.loads(response.text)["errors"][ids.BLOCK_TITLE].startswith("Only people of this workspace")
    assert talks_in_db(container) == []
