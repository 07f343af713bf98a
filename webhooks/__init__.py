"""The aiohttp edge: JSON API, gateway webhooks, mock checkout, health, Telegram webhook."""
