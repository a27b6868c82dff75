"""One count everywhere: the bot seeds one of each legend emoji on the live post, so Slack's counter shows people +
1; the speaker's board, the nudge and the report show people only, even when Slack delivers the bot's own reaction
as an event and after a reconciliation with reactions.get."""

from __future__ import annotations

from bot.container import Container
from bot.db import reactions_repo as rrepo
from bot.db import repositories as repo
from bot.scheduling import jobs
from tests.conftest import ORGANISER, SPEAKER
from tests.fakes.slack_api import FakeSlack
from tests.helpers import block_texts
from tests.reactions.helpers import board_text, give_reactions, more_values, react, settle
from tests.slack_driver import SlackDriver
from tests.surveys.helpers import ended_talk

PEOPLE = [f"UPPL{i}" for i in range(6)]


def test_counts_leave_out_the_bots_seeded_reaction_on_board_nudge_and_report(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    seen: dict[str, str] = {}

    def react_while_live(talk_id: int) -> None:
        assert container.lifecycle.go_live(talk_id)
        with container.db.session() as session:
            talk = repo.get_talk(session=session, talk_id=talk_id)
            assert talk is not None and talk.live_channel and talk.live_ts
            ch, ts = talk.live_channel, talk.live_ts
        # Slack tells us about the bot's own seeded :turtle: too, then six people click it.
        react(slack, fake_slack.bot_user_id, "turtle", ch, ts)
        for user in PEOPLE:
            react(slack, user, "turtle", ch, ts)
        settle(container, talk_id, len(PEOPLE))
        give_reactions(fake_slack, ch, ts, {"turtle": PEOPLE})
        assert next(r for r in fake_slack.message(ch, ts)["reactions"] if r["name"] == "turtle")["count"] == 7
        seen["board"] = board_text(container, fake_slack, talk_id, SPEAKER)
        container.reactions.reconcile_talk(talk_id)  # Slack's 7, less the bot's own
        seen["reconciled"] = board_text(container, fake_slack, talk_id, ORGANISER)
        with container.db.session() as session:
            state = rrepo.talk_state(session=session, talk_id=talk_id)
            seen["nudge"] = f"{state.last_nudge_emoji} {state.last_nudge_count}" if state else ""

    talk_id, _ = ended_talk(
        slack, fake_slack, container, going=[], during=react_while_live, more=more_values(nudges=True)
    )
    assert ":turtle: 6" in seen["board"] and ":turtle: 7" not in seen["board"]
    assert "参加者からのサイン：もう少しゆっくり" in seen["board"]  # the speaker's language
    assert ":turtle: 6" in seen["reconciled"] and ":turtle: 7" not in seen["reconciled"]
    assert seen["nudge"] in ("turtle 5", "turtle 6")  # claimed by the batch that crossed the threshold of 5

    jobs.bind(container)
    jobs.survey_preliminary_report(talk_id)
    [report] = [c for c in fake_slack.calls_to("chat.postMessage") if c.params["channel"] == ORGANISER]
    text = block_texts(report.params["blocks"])
    assert ":turtle: slow down 6" in text and ":turtle: slow down 7" not in text
