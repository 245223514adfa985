"""The process: configuration, start-up, wiring, command line, webhook, console, backups."""
