"""YouTube Live through the YouTube Data API v3: broadcasts, RTMP streams, bind, transitions.

One YouTube object per unit of work (its HTTP connection is not thread-safe); its QuotaMeter counts the units
spent. Returns plain dicts from Google; errors are GoogleApiError.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.integrations.google_auth import Executor, GoogleAccess, GoogleApiError, Problem, QuotaMeter

WATCH_URL = "https://www.youtube.com/watch?v={id}"
# Broadcasts that have started: cancelling them means "complete", not delete.
STARTED_STATES = frozenset({"testing", "liveStarting", "live"})


def rfc3339(moment: datetime) -> str:
    """RFC 3339 in UTC with a Z, as Google documents its examples."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Ingestion:
    """Where the speaker's encoder sends the stream. Secret: DM only, never stored, never logged."""

    address: str
    key: str
    backup_address: str | None = None

    @classmethod
    def from_stream(cls, stream: dict[str, Any]) -> Ingestion | None:
        info = (stream.get("cdn") or {}).get("ingestionInfo") or {}
        if not info.get("ingestionAddress") or not info.get("streamName"):
            return None
        return cls(
            address=str(info["ingestionAddress"]),
            key=str(info["streamName"]),
            backup_address=info.get("backupIngestionAddress") or None,
        )

    def __repr__(self) -> str:  # never print the key by accident
        return f"Ingestion(address={self.address!r}, key=***)"


class YouTube:
    def __init__(self, access: GoogleAccess, *, meter: QuotaMeter) -> None:
        loaded = access.credentials()
        if not loaded.can_youtube:
            raise GoogleApiError(
                Problem.UNSUPPORTED if loaded.kind != "authorized_user" else Problem.SCOPES,
                f"{loaded.kind} credentials cannot manage YouTube Live",
            )
        self.meter = meter
        self.service = access.build("youtube", "v3", meter=meter)
        self.run: Executor = access.executor()

    # Broadcasts ----------------------------------------------------------------------------------------------------

    @staticmethod
    def _snippet(title: str, description: str, starts_at: datetime, ends_at: datetime) -> dict[str, Any]:
        return {
            "title": title[:100],  # YouTube's limit
            "description": description[:5000],
            "scheduledStartTime": rfc3339(starts_at),
            "scheduledEndTime": rfc3339(ends_at),
        }

    def create_broadcast(
        self, *, title: str, description: str, starts_at: datetime, ends_at: datetime, privacy: str, tag: str
    ) -> dict[str, Any]:
        """liveBroadcasts.insert has no request id: `tag` (unique per attempt, recorded before the call) goes in
        the description, so a lost answer is found again with liveBroadcasts.list instead of inserting twice."""
        snippet = self._snippet(title, description, starts_at, ends_at)
        body = {
            "snippet": snippet,
            "status": {"privacyStatus": privacy, "selfDeclaredMadeForKids": False},
            # Goes live when the speaker starts streaming and completes when they stop: nobody clicks in Studio.
            "contentDetails": {"enableAutoStart": True, "enableAutoStop": True},
        }
        broadcasts = self.service.liveBroadcasts()
        return dict(
            self.run.create(
                lambda: broadcasts.insert(part="id,snippet,status,contentDetails", body=body),
                recover=lambda: self.find_broadcast(tag=tag),
                what="liveBroadcasts.insert",
            )
        )

    def find_broadcast(self, *, tag: str) -> dict[str, Any] | None:
        """An upcoming broadcast of ours whose description carries this tag (recovers an insert whose answer
        was lost). Bounded: a channel rarely has more than a few pages of upcoming broadcasts."""
        token: str | None = None
        for _ in range(5):
            request = self.service.liveBroadcasts().list(
                part="id,snippet", broadcastStatus="upcoming", broadcastType="all", maxResults=50, pageToken=token
            )
            response = self.run.run(request)
            for item in response.get("items", []):
                if tag in str((item.get("snippet") or {}).get("description") or ""):
                    return dict(item)
            token = response.get("nextPageToken")
            if not token:
                break
        return None

    def update_broadcast(
        self, broadcast_id: str, *, title: str, description: str, starts_at: datetime, ends_at: datetime
    ) -> None:
        # update replaces the snippet's mutable fields, so every one we set is sent again.
        body = {"id": broadcast_id, "snippet": self._snippet(title, description, starts_at, ends_at)}
        self.run.run(self.service.liveBroadcasts().update(part="id,snippet", body=body))

    def broadcast_state(self, broadcast_id: str) -> str | None:
        """lifeCycleStatus (created, ready, testing, live, complete...) or None when it no longer exists."""
        response = self.run.run(self.service.liveBroadcasts().list(part="id,status", id=broadcast_id))
        items = response.get("items") or []
        return str((items[0].get("status") or {}).get("lifeCycleStatus") or "") if items else None

    def complete_broadcast(self, broadcast_id: str) -> None:
        self.run.run(
            self.service.liveBroadcasts().transition(broadcastStatus="complete", id=broadcast_id, part="id,status")
        )

    def delete_broadcast(self, broadcast_id: str) -> None:
        try:
            self.run.run(self.service.liveBroadcasts().delete(id=broadcast_id))
        except GoogleApiError as exc:
            if exc.problem is not Problem.NOT_FOUND:
                raise

    def bind(self, broadcast_id: str, stream_id: str) -> None:
        # Idempotent: binding the same pair again changes nothing, so execute's retries are safe.
        self.run.run(self.service.liveBroadcasts().bind(id=broadcast_id, streamId=stream_id, part="id,contentDetails"))

    # Streams -------------------------------------------------------------------------------------------------------

    def create_stream(self, *, title: str) -> dict[str, Any]:
        """An RTMP stream with a variable resolution (the speaker's encoder decides). `title` is private to the
        channel owner and carries our marker, so a lost answer can be recovered by title."""
        title = title[:128]
        body = {
            "snippet": {"title": title},
            "cdn": {"ingestionType": "rtmp", "resolution": "variable", "frameRate": "variable"},
            "contentDetails": {"isReusable": False},
        }
        streams = self.service.liveStreams()
        return dict(
            self.run.create(
                lambda: streams.insert(part="id,snippet,cdn,contentDetails", body=body),
                recover=lambda: self.find_stream(title=title),
                what="liveStreams.insert",
            )
        )

    def find_stream(self, *, title: str) -> dict[str, Any] | None:
        response = self.run.run(self.service.liveStreams().list(part="id,snippet,cdn", mine=True, maxResults=50))
        for item in response.get("items", []):
            if (item.get("snippet") or {}).get("title") == title:
                return dict(item)
        return None

    def ingestion(self, stream_id: str) -> Ingestion | None:
        response = self.run.run(self.service.liveStreams().list(part="id,cdn", id=stream_id))
        items = response.get("items") or []
        return Ingestion.from_stream(items[0]) if items else None

    def delete_stream(self, stream_id: str) -> None:
        try:
            self.run.run(self.service.liveStreams().delete(id=stream_id))
        except GoogleApiError as exc:
            if exc.problem is not Problem.NOT_FOUND:
                raise

    # Doctor --------------------------------------------------------------------------------------------------------

    def check(self) -> None:
        """A 1-unit call that needs the API enabled, a valid token and a live-enabled channel."""
        self.run.run(self.service.liveBroadcasts().list(part="id", mine=True, maxResults=1), retry=False)


def _same_time(raw: object, moment: datetime) -> bool:
    if not isinstance(raw, str):
        return False
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return False
    return parsed.tzinfo is not None and parsed == moment
