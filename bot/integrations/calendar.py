"""Google Calendar events with a Google Meet conference (Calendar API v3).

Idempotency: the event gets our own id (base32hex, chosen before the first call), so a repeated events.insert
answers 409 instead of creating a second event; the conference's requestId makes Google ignore a repeated
conference request.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.integrations.google_auth import Executor, GoogleAccess, GoogleApiError, Problem
from bot.integrations.youtube import rfc3339


def meet_link(event: dict[str, Any]) -> str | None:
    if event.get("hangoutLink"):
        return str(event["hangoutLink"])
    for entry in (event.get("conferenceData") or {}).get("entryPoints") or []:
        if entry.get("entryPointType") == "video" and entry.get("uri"):
            return str(entry["uri"])
    return None


def conference_status(event: dict[str, Any]) -> str | None:
    """pending, success or failure (None when the event has no conference request)."""
    data = event.get("conferenceData") or {}
    status = ((data.get("createRequest") or {}).get("status") or {}).get("statusCode")
    if status is None and meet_link(event):
        return "success"
    return str(status) if status else None


class Calendar:
    def __init__(self, access: GoogleAccess) -> None:
        loaded = access.credentials()
        if not loaded.can_calendar:
            raise GoogleApiError(Problem.SCOPES, "the credentials have no Calendar scope")
        self.service = access.build("calendar", "v3")
        self.run: Executor = access.executor()

    @staticmethod
    def event_body(
        *,
        title: str,
        description: str,
        starts_at: datetime,
        ends_at: datetime,
        attendees: list[str] | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "summary": title,
            "description": description,
            "start": {"dateTime": rfc3339(starts_at), "timeZone": "UTC"},
            "end": {"dateTime": rfc3339(ends_at), "timeZone": "UTC"},
        }
        if attendees is not None:
            body["attendees"] = [{"email": email} for email in attendees]
        return body

    def create_meet_event(
        self, *, calendar_id: str, event_id: str, request_id: str, body: dict[str, Any], notify: bool
    ) -> dict[str, Any]:
        full = {
            **body,
            "id": event_id,
            "conferenceData": {
                "createRequest": {"requestId": request_id, "conferenceSolutionKey": {"type": "hangoutsMeet"}}
            },
        }
        try:
            return dict(
                self.run.run(
                    self.service.events().insert(
                        calendarId=calendar_id,
                        body=full,
                        conferenceDataVersion=1,
                        sendUpdates="all" if notify else "none",
                    )
                )
            )
        except GoogleApiError as exc:
            if exc.problem is not Problem.CONFLICT:
                raise
            # Our id exists: an earlier attempt (or a retry inside execute) created it. Use that event.
            return self.get_event(calendar_id=calendar_id, event_id=event_id)

    def get_event(self, *, calendar_id: str, event_id: str) -> dict[str, Any]:
        return dict(self.run.run(self.service.events().get(calendarId=calendar_id, eventId=event_id)))

    def patch_event(self, *, calendar_id: str, event_id: str, body: dict[str, Any], notify: bool) -> dict[str, Any]:
        return dict(
            self.run.run(
                self.service.events().patch(
                    calendarId=calendar_id,
                    eventId=event_id,
                    body=body,
                    conferenceDataVersion=1,
                    sendUpdates="all" if notify else "none",
                )
            )
        )

    def delete_event(self, *, calendar_id: str, event_id: str, notify: bool) -> None:
        try:
            self.run.run(
                self.service.events().delete(
                    calendarId=calendar_id, eventId=event_id, sendUpdates="all" if notify else "none"
                )
            )
        except GoogleApiError as exc:
            if exc.problem is not Problem.NOT_FOUND:  # 404/410: already gone
                raise

    def check(self, *, calendar_id: str) -> None:
        """Needs the API enabled, a valid token (and delegation) and access to the calendar."""
        self.run.run(self.service.events().list(calendarId=calendar_id, maxResults=1), retry=False)
