"""Documents of a loan application: the checklist per loan product and the check of every file.

- ``content``: data/documents.yml (limits, refusal sentences, items, checklists, reminder), validated
  on load.
- ``sniff``: the real type of a file from its first bytes.
- ``images`` / ``pdfs``: open, measure and convert one photo; open one PDF.
- ``check``: ``check_file(bytes, content_type, limits)`` → ``Accepted`` or ``Refused`` (one reason).
- ``reminders``: when the reminder for missing documents is due (``schedule_reminder``) and what it
  says; ``reminder_job`` is the worker's periodic job that sends it (the one module here with I/O).

Pure functions otherwise: no database, no network, nothing at import time. The gateway stores what is accepted
and keeps the checklist state; the dialogue tells the person ``DocumentsData.refusal_text(reason)``.
"""
