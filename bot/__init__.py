"""The Telegram bot: factory, middlewares, filters, FSM states and the runner."""
