"""Micro-lessons: short business courses by SMS and WhatsApp, each lesson a few messages and a quiz.

- ``content``: the courses of data/lessons/*.yml (one file per course), validated on load:
  ``load_courses(data_dir)`` → ``Courses``; a broken file raises ``CourseFileError`` naming the file,
  the lesson and the reason.
- ``sizes``: what a lesson costs on SMS (segments after GSM-7 folding) and the budgets it must fit.
- ``check``: ``python -m bot.lessons.check [data_dir]`` validates the folder and prints each course,
  its lessons and their segment counts.

Pure functions: no database, no network, nothing at import time.
"""
