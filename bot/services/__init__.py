"""The rules: one service per job, free of Telegram types; each owns its transactions."""
