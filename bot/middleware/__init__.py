"""Everything that runs before a listener, in one place.

- `edge`: the HTTP edge (Flask, before Bolt): body size, signature and timestamp on the raw bytes, parsing by field,
  the payload's shape; refusals are 4xx with one WARNING line and never the body.
- `payloads`: the documented shapes of what Slack sends, which the edge (and Socket Mode) checks.
- `view_state`: a view submission without `state.values` gets an inline error.
- `dedupe`: Slack retries events; the event_id makes a retry change nothing.
- `rate_limited`: Slack's `app_rate_limited` notice, which no event listener can match.
"""
