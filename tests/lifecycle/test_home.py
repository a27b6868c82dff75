"""The App Home tab: live, upcoming (with RSVP), your talks, past talks; RSVP from Home re-publishes it."""

from __future__ import annotations

from bot import ids
from bot.container import Container
from tests.conftest import ATTENDEE, SPEAKER
from tests.fakes.slack_api import FakeSlack
from tests.helpers import block_texts, create_talk, in_days, talks_in_db
from tests.slack_driver import SlackDriver


def open_home(slack: SlackDriver, fake: FakeSlack, user: str) -> dict:  # type: ignore[type-arg]
    before = len(fake.calls_to("views.publish"))
    event = {"type": "app_home_opened", "user": user, "channel": f"D{user}", "tab": "home", "event_ts": "1.0"}
    assert slack.event(event).status_code == 200
    call = fake.wait_for("views.publish", count=before + 1)[-1]
    assert call.params["user_id"] == user
    return call.params["view"]


def test_home_lists_talks_by_state_and_rsvp_from_home(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    live_id, _ = create_talk(slack, fake_slack, container, title="Live one", start=in_days(1))
    create_talk(slack, fake_slack, container, title="Coming up", start=in_days(4))
    ended_id, _ = create_talk(slack, fake_slack, container, title="Done already", start=in_days(2))
    container.lifecycle.go_live(live_id, now=talks_in_db(container)[0].starts_at)
    container.lifecycle.end(ended_id)

    view = open_home(slack, fake_slack, ATTENDEE)
    assert view["type"] == "home"
    text = block_texts(view["blocks"])
    order = [
        text.index(s) for s in ("Live now", "Live one", "Upcoming talks", "Coming up", "Past talks", "Done already")
    ]
    assert order == sorted(order)
    assert "Your talks" in text

    # The attendee says they're going from Home: the tab is published again with the new state.
    upcoming = talks_in_db(container)[1]
    button = next(
        e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"] if e["value"] == str(upcoming.id)
    )
    assert button["action_id"] == ids.ACTION_RSVP_GOING
    payload_view = {"type": "home", "id": "VHOME", "callback_id": "", "blocks": view["blocks"]}
    slack.interactive(
        {
            "type": "block_actions",
            "team": {"id": "T1"},
            "user": {"id": ATTENDEE, "team_id": "T1"},
            "api_app_id": "AFAKE",
            "trigger_id": "t-home",
            "container": {"type": "view", "view_id": "VHOME"},
            "view": payload_view,
            "actions": [
                {"type": "button", "action_id": ids.ACTION_RSVP_GOING, "value": str(upcoming.id), "block_id": "b"}
            ],
        }
    )
    republished = fake_slack.wait_for("views.publish", count=2)[-1].params["view"]
    assert "You're going" in block_texts(republished["blocks"])
    fake_slack.assert_no_call("chat.postEphemeral")

    # A speaker sees their talks under "Your talks", in Japanese.
    speaker_view = open_home(slack, fake_slack, SPEAKER)
    speaker_text = block_texts(speaker_view["blocks"])
    mine = speaker_text[speaker_text.index("あなたの発表") :]
    assert "Coming up" in mine and "Live one" in mine
