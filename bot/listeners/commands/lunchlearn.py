"""/lunchlearn [new [title] | list | series [new] | propose [title] | proposals | ask | report | export |
lunch <talk> | archive [query] | help]"""

from __future__ import annotations

from collections.abc import Callable
from logging import Logger
from typing import Any

from slack_bolt import Ack, BoltContext

from bot.container import Container
from bot.i18n import t
from bot.integrations.slack_gateway import SlackGatewayError
from bot.listeners.payload import user_and_team
from bot.services.talks.service import NotAllowed
from bot.views.commands import build_help
from bot.views.problems import slack_problem

SUBCOMMANDS = {
    "new": "new",
    "create": "new",
    "新規": "new",
    "作成": "new",
    "list": "list",
    "一覧": "list",
    "ask": "ask",
    "質問": "ask",
    "report": "report",
    "レポート": "report",
    "export": "export",
    "エクスポート": "export",
    "lunch": "lunch",
    "ランチ": "lunch",
    "archive": "archive",
    "アーカイブ": "archive",
    "propose": "propose",
    "提案": "propose",
    "proposals": "proposals",
    "提案一覧": "proposals",
    "series": "series",
    "シリーズ": "series",
    "help": "help",
    "ヘルプ": "help",
    "": "help",
}


def parse_command_text(text: str) -> tuple[str | None, str, str]:
    """(subcommand or None if unknown, the word typed, the rest)."""
    word, _, rest = (text or "").strip().partition(" ")
    return SUBCOMMANDS.get(word.lower()), word, rest.strip()


def make_lunchlearn_command(container: Container) -> Callable[..., None]:
    talks = container.talks

    def handle_lunchlearn(ack: Ack, command: dict[str, Any], logger: Logger, context: BoltContext) -> None:
        ack()
        sub, word, rest = parse_command_text(command.get("text", ""))
        actor = talks.actor(*user_and_team(context, command))
        response_url = command.get("response_url", "")
        try:
            if sub == "new":
                talks.open_new_modal(
                    actor=actor, trigger_id=command["trigger_id"], channel_id=command.get("channel_id"), title=rest
                )
            elif sub == "ask":
                container.questions.ask_from_command(
                    actor=actor,
                    channel_id=command.get("channel_id", ""),
                    text=rest,
                    trigger_id=command.get("trigger_id", ""),
                    response_url=response_url,
                )
            elif sub == "propose":
                container.proposals.open_propose_modal(
                    actor=actor, trigger_id=command["trigger_id"], channel_id=command.get("channel_id"), title=rest
                )
            elif sub == "proposals":
                container.proposals.list_command(actor=actor, response_url=response_url)
            elif sub == "series":
                if rest.split()[:1] in (["new"], ["新規"]):
                    container.series.open_new_modal(
                        actor=actor, trigger_id=command["trigger_id"], channel_id=command.get("channel_id")
                    )
                else:
                    container.series.list_command(actor=actor, response_url=response_url)
            elif sub == "list":
                talks.list_upcoming(actor=actor, response_url=response_url)
            elif sub == "report":
                container.surveys.report_command(actor=actor, query=rest, response_url=response_url)
            elif sub == "export":
                container.surveys.export_command(actor=actor, query=rest, response_url=response_url)
            elif sub == "lunch":
                container.lunch.settings_command(
                    actor=actor, query=rest, trigger_id=command.get("trigger_id", ""), response_url=response_url
                )
            elif sub == "archive":
                container.followup.archive(actor=actor, query=rest, page=0, response_url=response_url)
            else:
                blocks = build_help(actor.lang, unknown=word if sub is None else None)
                container.slack.respond(response_url, text=t(actor.lang, "help.text"), blocks=blocks)
        except NotAllowed as refusal:
            container.slack.respond(response_url, text=refusal.message)
        except SlackGatewayError as exc:
            logger.warning("/lunchlearn %s failed: %s", sub, exc.error)
            try:
                text = t(actor.lang, "error.slack.failed", problem=slack_problem(actor.lang, exc.error))
                container.slack.respond(response_url, text=text)
            except SlackGatewayError:
                logger.warning("Could not report the failure to %s", actor.user_id)

    return handle_lunchlearn
