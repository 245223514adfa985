"""What users and admins see: every sentence and label (texts), the inline keyboards
(keyboards) and the data their buttons carry (callbacks). No Telegram I/O and no rules."""
