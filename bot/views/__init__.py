"""Block Kit builders: pure functions of their arguments, built with slack_sdk.models so limits are checked."""
