"""Channel adapters (Telegram, Slack, web) and the Rasa input connectors beside them."""
