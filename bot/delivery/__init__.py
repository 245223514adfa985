"""Tick, outbox sender and pacing: everything that sends on the bot's own initiative."""
