"""The worker runs the periodic jobs the rest of the code relies on."""

from __future__ import annotations

from bot.worker import worker_options
from tests.conftest import make_settings


def test_the_worker_sweeps_stalled_work_and_retries_deletions_at_twilio() -> None:
    options = worker_options(make_settings("sqlite:///unused.db", 14))
    names = {job.name for job in options["cron_jobs"]}
    assert {"cron:recover_stalled", "cron:retry_job"} <= names, names


def test_the_worker_releases_deferred_messages_each_minute_and_sends_document_reminders() -> None:
    options = worker_options(make_settings("sqlite:///unused.db", 14))
    jobs = {job.name: job for job in options["cron_jobs"]}
    release = jobs["cron:release_deferred_job"]
    assert release.second == {0} and release.minute is None and release.run_at_startup
    assert "cron:document_reminders_job" in jobs


def test_the_worker_plans_repayment_reminders_every_ten_minutes_and_sends_them_each_minute() -> None:
    options = worker_options(make_settings("sqlite:///unused.db", 14))
    jobs = {job.name: job for job in options["cron_jobs"]}
    plan = jobs["cron:plan_repayment_reminders_job"]
    assert plan.minute == {0, 10, 20, 30, 40, 50} and plan.run_at_startup
    send = jobs["cron:repayment_reminders_job"]
    assert send.minute is None and len(send.second or ()) == 1 and send.run_at_startup
    functions = {function.name: function for function in options["functions"]}
    assert functions["repayment_reminder"].max_tries > 8  # Rasa's backoff, then sent without it


def test_the_worker_sends_due_lessons_and_their_nudges_each_minute() -> None:
    options = worker_options(make_settings("sqlite:///unused.db", 14))
    jobs = {job.name: job for job in options["cron_jobs"]}
    lessons = jobs["cron:scheduled_lessons_job"]
    assert lessons.minute is None and len(lessons.second or ()) == 1 and lessons.run_at_startup
    functions = {function.name: function for function in options["functions"]}
    assert functions["scheduled_lesson"].max_tries > 1  # a busy conversation retries
