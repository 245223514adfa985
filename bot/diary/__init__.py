"""The cramp diary: log a cramp in a few taps, see the weeks, take a report to a doctor.

This package holds the parts that know nothing of Telegram or of the storage layout, so
every rule can be tested as a plain function: models (what an entry is and which night it
belongs to), flow (the logging steps), weekly (the week-by-week picture and its rules),
chart (text and PNG bars), export (CSV with formula cells made inert), report (the doctor
report) and prompts (when the morning check-in and evening stretch may be sent). Their
sentences live in bot/ui/texts.py, their button data in bot/ui/callbacks.py. The diary
records and summarises; it never diagnoses.
"""
