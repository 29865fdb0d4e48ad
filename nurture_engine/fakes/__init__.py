"""Protocol-level fakes of third-party APIs (Telegram Bot API, Slack Web API) for tests and local demos."""
