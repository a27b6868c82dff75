"""The speaker pipeline through the signed endpoint: propose, the board (posted once, then kept current), upvotes,
accept into a talk (the proposer becomes the speaker and is told once), decline with a reason, and survey topics
shown anonymously once the k-anonymity threshold is met. English and Japanese users."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta

from slack_bolt import App
from sqlalchemy import select

from bot import ids
from bot.container import Container
from bot.db.base import utcnow
from bot.db.models import OutboxMessage, OutboxStatus, Proposal, ProposalKind, ProposalStatus
from tests.conftest import ADMIN, ATTENDEE, GENERAL, ORGANISER, OTHER, SPEAKER
from tests.edge.conftest import settle
from tests.fakes.slack_api import FakeSlack
from tests.helpers import ack_json, block_texts, talk_values, talks_in_db, wait_flows
from tests.proposals.helpers import (
    board_message,
    board_when,
    entry_titles,
    in_days,
    open_propose,
    proposals_in_db,
    propose,
    propose_values,
    upvote,
    upvote_label,
    votes_of,
    wait_until,
)
from tests.slack_driver import SlackDriver
from tests.surveys.helpers import ended_talk, rating_click, survey_dms


def _board_text(fake: FakeSlack) -> str:
    boards = [
        m
        for m in list(fake.messages.get(GENERAL, []))
        if (m.get("metadata") or {}).get("event_type") == ids.METADATA_PROPOSALS_EVENT_TYPE
    ]
    return block_texts(boards[0]["blocks"]) if boards else ""


def _dms_to(fake: FakeSlack, user: str) -> list[str]:
    return [
        str(c.params.get("text")) for c in fake.calls_to("chat.postMessage") if c.ok and c.params["channel"] == user
    ]


def test_propose_posts_the_board_once_and_keeps_it_current_in_both_languages(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    view = open_propose(slack, fake_slack, user=ATTENDEE, text="propose Rust <!here> at scale")
    assert view["title"]["text"] == "Propose a talk"
    blocks = {b["block_id"]: b for b in view["blocks"]}
    assert blocks[ids.BLOCK_PROPOSAL_TITLE]["element"]["initial_value"] == "Rust <!here> at scale"
    assert blocks[ids.BLOCK_PROPOSAL_CHANNEL]["element"]["initial_conversation"] == GENERAL

    # A date in the past is an inline error; nothing is stored.
    bad = slack.submit_view(view, propose_values(dates=[in_days(-1)]), user=ATTENDEE)
    assert ack_json(bad)["response_action"] == "errors"
    assert f"{ids.BLOCK_PROPOSAL_DATE}_1" in ack_json(bad)["errors"]
    assert proposals_in_db(container) == []

    values = propose_values(title="Rust <!here> at scale", dates=[in_days(10), in_days(3)])
    response = slack.submit_view(view, values, user=ATTENDEE)
    assert response.status_code == 200 and ack_json(response) == {}
    board_when(fake_slack, lambda board: entry_titles(board) == ["Rust &lt;!here&gt; at scale"])
    [first] = proposals_in_db(container)
    assert (first.proposer_id, first.kind, first.status) == (ATTENDEE, ProposalKind.TALK, ProposalStatus.OPEN)
    assert first.preferred_dates == f"{in_days(3)},{in_days(10)}"
    board = board_message(fake_slack)
    text = block_texts(board["blocks"])
    assert "Rust &lt;!here&gt; at scale" in text and f"<@{ATTENDEE}>" in text and "<!here>" not in text
    # The same submission delivered again adds nothing.
    assert ack_json(slack.submit_view(view, values, user=ATTENDEE)) == {}
    assert len(proposals_in_db(container)) == 1

    # A Japanese speaker proposes through a Japanese form; the same board message is updated, not a new one.
    ja_view = open_propose(slack, fake_slack, user=SPEAKER, text="提案")
    assert ja_view["title"]["text"] == "発表を提案"
    ja_bad = slack.submit_view(ja_view, propose_values(title="  "), user=SPEAKER)
    assert ack_json(ja_bad)["errors"][ids.BLOCK_PROPOSAL_TITLE] == "提案のタイトルを入力してください。"
    assert ack_json(slack.submit_view(ja_view, propose_values(title="型推論の話"), user=SPEAKER)) == {}
    board = board_when(fake_slack, lambda board: len(entry_titles(board)) == 2)
    assert board["updated"] >= 1
    assert entry_titles(board) == ["Rust &lt;!here&gt; at scale", "型推論の話"]
    assert board["text"] == "Talk proposals: 2 open"

    # /lunchlearn proposals: the same entries, ephemeral, in the asker's language.
    fake_slack.reset_calls()
    slack.command("proposals", user=SPEAKER)
    [reply] = fake_slack.wait_for(slack.last_webhook)
    assert "受付中の発表の提案" in block_texts(reply.params["blocks"])
    assert "型推論の話" in block_texts(reply.params["blocks"])


def test_upvote_toggles_and_a_retried_or_doubled_click_counts_once(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container, bolt_app: App
) -> None:
    first = propose(slack, fake_slack, container, user=ATTENDEE, title="First")
    second = propose(slack, fake_slack, container, user=SPEAKER, title="Second")
    ts = board_message(fake_slack)["ts"]
    assert entry_titles(board_message(fake_slack)) == ["First", "Second"]

    now = time.time()
    assert upvote(slack, second, user=OTHER, ts=ts, action_ts=now).status_code == 200
    wait_until(lambda: votes_of(container, second) == [OTHER])
    # The same click delivered again, and a double click half a second later: still one vote.
    upvote(slack, second, user=OTHER, ts=ts, action_ts=now)
    upvote(slack, second, user=OTHER, ts=ts, action_ts=now + 0.5)
    upvote(slack, second, user=ADMIN, ts=ts, action_ts=now + 0.1)
    settle(bolt_app)  # every click above has been handled
    assert votes_of(container, second) == [ADMIN, OTHER]
    board = board_when(fake_slack, lambda board: upvote_label(board, second) == ":thumbsup: 2")
    assert entry_titles(board) == ["Second", "First"]  # most upvoted first
    assert upvote_label(board, second) == ":thumbsup: 2"
    assert upvote_label(board, first) == ":thumbsup: 0"

    # A later click withdraws the vote.
    upvote(slack, second, user=OTHER, ts=ts, action_ts=now + 5)
    wait_until(lambda: votes_of(container, second) == [ADMIN])
    board_when(fake_slack, lambda board: upvote_label(board, second) == ":thumbsup: 1")
    assert votes_of(container, second) == [ADMIN]


def test_accept_opens_the_prefilled_talk_form_and_tells_the_proposer_once(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    proposal_id = propose(
        slack, fake_slack, container, user=SPEAKER, title="型推論の話", abstract="Hindley–Milner", dates=[in_days(5)]
    )
    ts = board_message(fake_slack)["ts"]

    # Someone who never organised a talk may not accept: a polite refusal, no form.
    fake_slack.reset_calls()
    slack.button(ids.ACTION_PROPOSAL_ACCEPT, str(proposal_id), user=OTHER, channel=GENERAL, message_ts=ts)
    [refusal] = fake_slack.wait_for("chat.postEphemeral")
    assert "Only organisers can accept" in refusal.params["text"]
    fake_slack.assert_no_call("views.open")

    # Nor by sending a talk form that names the proposal: the talk is theirs, the proposal stays open.
    forged = {"type": "modal", "callback_id": ids.CALLBACK_TALK_NEW, "private_metadata": f"proposal:{proposal_id}"}
    assert ack_json(slack.submit_view(forged, talk_values(title="Mine", speakers=[OTHER]), user=OTHER)) == {}
    wait_flows(container, talks_in_db(container)[-1].id)
    assert proposals_in_db(container)[0].status is ProposalStatus.OPEN
    fake_slack.reset_calls()

    # An admin may: the new-talk form, prefilled with the proposal.
    slack.button(ids.ACTION_PROPOSAL_ACCEPT, str(proposal_id), user=ADMIN, channel=GENERAL, message_ts=ts)
    [opened] = fake_slack.wait_for("views.open")
    view = opened.params["view"]
    assert view["callback_id"] == ids.CALLBACK_TALK_NEW
    assert view["private_metadata"] == f"{ids.PROPOSAL_METADATA_PREFIX}{proposal_id}"
    blocks = {b["block_id"]: b for b in view["blocks"]}
    assert blocks[ids.BLOCK_TITLE]["element"]["initial_value"] == "型推論の話"
    assert blocks[ids.BLOCK_DESCRIPTION]["element"]["initial_value"] == "Hindley–Milner"
    assert blocks[ids.BLOCK_SPEAKERS]["element"]["initial_users"] == [SPEAKER]
    # The first preferred date, at noon in the organiser's zone (the admin's is UTC).
    noon = datetime.combine(date.fromisoformat(in_days(5)), datetime.min.time(), tzinfo=UTC).replace(hour=12)
    assert blocks[ids.BLOCK_START]["element"]["initial_date_time"] == int(noon.timestamp())

    fake_slack.reset_calls()
    form = talk_values(title="型推論の話", description="Hindley–Milner", speakers=[SPEAKER])
    submitted = {**view, "id": opened.response["view"]["id"]}
    response = slack.submit_view(submitted, form, user=ADMIN)
    assert response.status_code == 200 and ack_json(response) == {}
    talk = talks_in_db(container)[-1]
    wait_flows(container, talk.id)
    assert talk.title == "型推論の話" and talk.speaker_ids == [SPEAKER] and talk.organiser_id == ADMIN
    [proposal] = proposals_in_db(container)
    assert (proposal.status, proposal.talk_id, proposal.decided_by) == (ProposalStatus.ACCEPTED, talk.id, ADMIN)
    wait_until(lambda: len(_dms_to(fake_slack, SPEAKER)) == 1)
    [told] = _dms_to(fake_slack, SPEAKER)
    assert "「型推論の話」" in told and "採用されました" in told

    # The form delivered again, and the minute sweep: no second talk, no second DM; the board dropped it.
    assert ack_json(slack.submit_view(submitted, form, user=ADMIN)) == {}
    container.proposals.sweep()
    board_when(fake_slack, lambda board: entry_titles(board) == [])
    assert len(talks_in_db(container)) == 2  # OTHER's own talk, and the accepted one
    assert len(_dms_to(fake_slack, SPEAKER)) == 1
    assert entry_titles(board_message(fake_slack)) == []
    assert "No proposals yet" in block_texts(board_message(fake_slack)["blocks"])


def test_someone_who_organised_a_talk_declines_with_a_reason_and_the_proposer_is_told(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    from tests.helpers import create_talk

    create_talk(slack, fake_slack, container)  # ORGANISER has organised a talk: an organiser here
    proposal_id = propose(slack, fake_slack, container, user=ATTENDEE, title="Crypto <@U1> tips")
    ts = board_message(fake_slack)["ts"]
    fake_slack.reset_calls()
    slack.button(ids.ACTION_PROPOSAL_DECLINE, str(proposal_id), user=ORGANISER, channel=GENERAL, message_ts=ts)
    [opened] = fake_slack.wait_for("views.open")
    view = {**opened.params["view"], "id": opened.response["view"]["id"]}
    empty = {ids.BLOCK_DECLINE_REASON: {ids.ACTION_DECLINE_REASON: {"type": "plain_text_input", "value": " "}}}
    assert ids.BLOCK_DECLINE_REASON in ack_json(slack.submit_view(view, empty, user=ORGANISER))["errors"]
    reason = {
        ids.BLOCK_DECLINE_REASON: {
            ids.ACTION_DECLINE_REASON: {"type": "plain_text_input", "value": "Off <!channel> topic"}
        }
    }
    assert ack_json(slack.submit_view(view, reason, user=ORGANISER)) == {}
    wait_until(lambda: len(_dms_to(fake_slack, ATTENDEE)) == 1)
    [told] = _dms_to(fake_slack, ATTENDEE)
    assert "declined" in told and "Off &lt;!channel&gt; topic" in told and "Crypto &lt;@U1&gt; tips" in told
    assert proposals_in_db(container)[0].status is ProposalStatus.DECLINED
    container.proposals.sweep()
    assert len(_dms_to(fake_slack, ATTENDEE)) == 1


def test_survey_cover_next_answers_reach_the_board_anonymously_once_enough_people_answered(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    fake_slack.add_user("UJAPAN", name="hana", locale="ja-JP", tz="Asia/Tokyo")
    talk_id, _ = ended_talk(slack, fake_slack, container, going=[ATTENDEE, OTHER, "UJAPAN"])
    container.surveys.run_worker()
    dms = {c.params["channel"]: c for c in survey_dms(fake_slack)}
    assert set(dms) == {ATTENDEE, OTHER, "UJAPAN"}

    def more_feedback(user: str, cover_next: str | None) -> None:
        fake_slack.reset_calls()
        dm = dms[user]
        slack.button(
            ids.ACTION_SURVEY_MORE,
            str(talk_id),
            user=user,
            channel=dm.response["channel"],
            message_ts=dm.response["ts"],
        )
        [opened] = fake_slack.wait_for("views.open")
        view = opened.params["view"]
        field = next(b for b in view["blocks"] if b.get("block_id") == ids.BLOCK_SURVEY_COVER_NEXT)
        expected = "次に取り上げてほしいテーマは？" if user == "UJAPAN" else "What should we cover next?"
        assert field["label"]["text"] == expected and field["optional"] is True
        values = {
            ids.BLOCK_SURVEY_COVER_NEXT: {
                ids.ACTION_SURVEY_COVER_NEXT: {"type": "plain_text_input", "value": cover_next}
            }
        }
        response = slack.submit_view({**view, "id": opened.response["view"]["id"]}, values, user=user)
        assert ack_json(response) == {}

    more_feedback(ATTENDEE, "Kubernetes <!here> basics")
    container.refresher.flush()
    # One answer: the topic is stored but not shown (it could be tied to the only person who answered).
    [topic] = proposals_in_db(container)
    assert (topic.kind, topic.proposer_id, topic.survey_talk_id) == (ProposalKind.TOPIC, None, talk_id)
    assert not any(
        (m.get("metadata") or {}).get("event_type") == ids.METADATA_PROPOSALS_EVENT_TYPE
        for m in fake_slack.messages.get(GENERAL, [])
    )
    more_feedback("UJAPAN", "テスト設計")
    rating_click(slack, dms[OTHER], user=OTHER, rating=4)  # the third answer
    wait_until(lambda: "テスト設計" in _board_text(fake_slack))
    board = board_message(fake_slack)
    text = block_texts(board["blocks"])
    assert "Kubernetes &lt;!here&gt; basics" in text and "テスト設計" in text
    assert text.count("Suggested in a survey (anonymous)") == 2
    for user in (ATTENDEE, OTHER, "UJAPAN", "hana", "ana"):
        assert user not in str(board["blocks"])

    # Emptying the answer takes the topic off the board.
    more_feedback(ATTENDEE, None)
    wait_until(lambda: "Kubernetes" not in _board_text(fake_slack))
    assert "テスト設計" in _board_text(fake_slack)
    [left] = proposals_in_db(container)
    assert left.kind is ProposalKind.TOPIC

    # An organiser removes the topic: no reason needed, and nobody is told (there is nobody to tell).
    fake_slack.reset_calls()
    ts = board_message(fake_slack)["ts"]
    slack.button(ids.ACTION_PROPOSAL_DECLINE, str(left.id), user=ADMIN, channel=GENERAL, message_ts=ts)
    [opened] = fake_slack.wait_for("views.open")
    view = {**opened.params["view"], "id": opened.response["view"]["id"]}
    [reason] = [b for b in view["blocks"] if b.get("block_id") == ids.BLOCK_DECLINE_REASON]
    assert reason["optional"] is True
    empty = {ids.BLOCK_DECLINE_REASON: {ids.ACTION_DECLINE_REASON: {"type": "plain_text_input", "value": None}}}
    assert ack_json(slack.submit_view(view, empty, user=ADMIN)) == {}
    board_when(fake_slack, lambda board: entry_titles(board) == [])
    assert proposals_in_db(container)[0].status is ProposalStatus.DECLINED
    container.proposals.sweep()
    assert [c for c in fake_slack.calls_to("chat.postMessage") if c.params["channel"].startswith("U")] == []


def test_a_board_in_a_private_channel_is_listed_only_to_its_members(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    fake_slack.add_channel("GPRIV", name="team-only", is_private=True)
    fake_slack.set_members("GPRIV", [ATTENDEE, SPEAKER, "UBOT"])
    propose(slack, fake_slack, container, user=ATTENDEE, title="Internal roadmap", channel="GPRIV")
    assert "Internal roadmap" in block_texts(board_message(fake_slack, "GPRIV")["blocks"])

    def listed(user: str) -> str:
        fake_slack.reset_calls()
        slack.command("proposals", user=user)
        [reply] = fake_slack.wait_for(slack.last_webhook)
        return block_texts(reply.params["blocks"])

    assert "Internal roadmap" in listed(SPEAKER)
    assert "Internal roadmap" not in listed(OTHER)


def test_a_decision_dm_whose_record_a_crash_lost_is_found_by_the_sweep_not_sent_twice(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    proposal_id = propose(slack, fake_slack, container, user=ATTENDEE, title="Edge caching")
    ts = board_message(fake_slack)["ts"]
    fake_slack.reset_calls()
    slack.button(ids.ACTION_PROPOSAL_DECLINE, str(proposal_id), user=ADMIN, channel=GENERAL, message_ts=ts)
    [opened] = fake_slack.wait_for("views.open")
    view = {**opened.params["view"], "id": opened.response["view"]["id"]}
    values = {ids.BLOCK_DECLINE_REASON: {ids.ACTION_DECLINE_REASON: {"type": "plain_text_input", "value": "Done"}}}
    assert ack_json(slack.submit_view(view, values, user=ADMIN)) == {}
    wait_until(lambda: proposals_in_db(container)[0].notified_at is not None)
    # A kill -9 between chat.postMessage and its record: the outbox row claimed long ago, the proposer not marked.
    with container.db.session() as session:
        row = session.execute(
            select(OutboxMessage).where(OutboxMessage.key == f"proposal_decision:{proposal_id}")
        ).scalar_one()
        row.status, row.channel, row.ts = OutboxStatus.SENDING, None, None
        row.claimed_at, row.claimed_by = utcnow() - timedelta(minutes=5), "otherhost:1:x"
        stored = session.get(Proposal, proposal_id)
        assert stored is not None
        stored.notified_at = None
    container.proposals.sweep()
    assert len(_dms_to(fake_slack, ATTENDEE)) == 1
    assert proposals_in_db(container)[0].notified_at is not None


def test_a_board_a_crash_left_unposted_is_posted_by_the_sweep(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    # What a kill -9 right after the propose form's ack leaves: the proposal stored, its board never posted.
    view = open_propose(slack, fake_slack, user=ATTENDEE)
    with container.db.session() as session:
        from bot.db import proposals_repo

        proposals_repo.create(
            session=session,
            team_id="T1",
            proposer_id=ATTENDEE,
            title="Observability",
            abstract="",
            preferred_dates=None,
            channel_id=GENERAL,
            view_id=view["id"],
        )
    container.proposals.sweep()
    container.refresher.flush()
    assert entry_titles(board_message(fake_slack)) == ["Observability"]
    container.proposals.sweep()  # posted once: the next sweep leaves it alone
    container.refresher.flush()
    assert entry_titles(board_message(fake_slack)) == ["Observability"]


def test_upvote_from_the_ephemeral_list_confirms_to_the_voter_in_their_language(
    slack: SlackDriver, fake_slack: FakeSlack, container: Container
) -> None:
    proposal_id = propose(slack, fake_slack, container, user=ATTENDEE, title="Edge ML")
    fake_slack.reset_calls()
    slack.command("proposals", user=SPEAKER)
    [listing] = fake_slack.wait_for(slack.last_webhook)
    [button] = [b["accessory"] for b in listing.params["blocks"] if b.get("block_id") == f"proposal_{proposal_id}"]
    payload = {
        "type": "block_actions",
        "team": {"id": "T1", "domain": "acme"},
        "user": {"id": SPEAKER, "team_id": "T1", "name": "sora"},
        "api_app_id": "AFAKE",
        "trigger_id": "trigger-eph",
        "container": {"type": "message", "channel_id": GENERAL, "message_ts": "1.000001", "is_ephemeral": True},
        "channel": {"id": GENERAL, "name": "general"},
        "response_url": fake_slack.webhook_url("eph"),
        "actions": [{**button, "block_id": f"proposal_{proposal_id}", "action_ts": f"{time.time():.6f}"}],
    }
    assert slack.interactive(payload).status_code == 200
    [told] = fake_slack.wait_for("chat.postEphemeral", where=lambda c: c.params["user"] == SPEAKER)
    assert told.params["text"] == "「Edge ML」に投票しました（合計1票）。"
    board_when(fake_slack, lambda board: upvote_label(board, proposal_id) == ":thumbsup: 1")
