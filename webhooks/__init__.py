"""What outside systems call: the gateways' payment notifications and the mock checkout page
that stands in for their payment pages. The Telegram webhook is served by bot.runner."""
