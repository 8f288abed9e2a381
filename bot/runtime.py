"""Composition root: the long-lived resources, built once at start-up and passed down.

The web app builds one in its lifespan, the worker in its startup hook. Nothing here runs at import.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx
from arq import create_pool
from arq.connections import ArqRedis, RedisSettings
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.consent import ConsentText, load_consent, refuse_placeholders
from bot.contact_hours import CONTACT_HOURS_FILE, ContactHours, load_contact_hours
from bot.db.engine import SessionFactory, make_engine, make_session_factory
from bot.db.inbound_store import InboundStore
from bot.db.models import utcnow
from bot.db.sync_lane import SyncLane
from bot.documents.content import DocumentsData, load_documents
from bot.documents.reasons import RejectionReasons, load_rejection_reasons
from bot.documents.reminders import check_reminder_template
from bot.handoff.content import ConsultantContent, load_consultant_content
from bot.handoff.hours import FailureReplies, OfficeHours, load_failure_replies, load_office_hours
from bot.handoff.rules import HandoffRules, load_handoff_rules, refuse_example_offices
from bot.keywords import KeywordRules, load_keyword_rules
from bot.lessons.offers import LessonOffers, load_lesson_offers
from bot.lessons.words import Lessons, load_lessons
from bot.payments.content import Payments, load_payments, refuse_example_channels
from bot.prequal.data import PrequalData, load_prequal_data
from bot.reminders.policy import POLICY_FILE, ReminderPolicy, check_policy, load_policy
from bot.send_rate import SendRate
from bot.settings import Settings
from bot.templates import WhatsAppTemplates, load_templates
from bot.twilio_adapter.rest import TwilioRestClient


@dataclass(slots=True)
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessions: SessionFactory
    redis: ArqRedis  # also the arq queue pool
    http: httpx.AsyncClient
    twilio: TwilioRestClient
    keywords: KeywordRules
    templates: WhatsAppTemplates
    office_hours: OfficeHours
    consent: ConsentText
    prequal: PrequalData  # loan rules, municipalities, sectors (the action server loads its own copy)
    failures: FailureReplies  # the apology for a message the bot could not answer
    handoff: HandoffRules  # ticket reasons, branches, expected-wait words (data/handoff.yml, branches.yml)
    consultant: ConsultantContent  # outcomes, canned replies, notices (data/handoff.yml)
    lane: SyncLane  # the web's short writes (inbound messages, status callbacks) in one hop each
    inbound: InboundStore  # the webhook's one write, its statements built once
    contact_hours: ContactHours  # when proactive messages may go (Ley 2300 de 2023, data/contact_hours.yml)
    documents: DocumentsData  # checklists, file limits, the flow's words, reminders (data/documents.yml)
    rejection_reasons: RejectionReasons  # why a consultant sends a document back (same file)
    reminders: ReminderPolicy  # repayment reminders: steps, times, words (data/repayment_reminders.yml)
    send_rate: SendRate  # messages per second per sender number, shared by all workers (bot/send_rate.py)
    payments: Payments  # the payments' words and where to pay (data/payments.yml, payment_channels.yml)
    lessons: Lessons  # the courses (data/lessons/) and the words around them (data/lesson_words.yml)
    lesson_offers: LessonOffers  # when a course is offered, and its words (data/lesson_offers.yml)
    # "Now" for the send policy and the scheduled jobs (tests give a controlled clock).
    clock: Callable[[], datetime] = field(default=utcnow)

    async def close(self) -> None:
        self.lane.close()
        await self.http.aclose()
        await self.redis.aclose()
        await self.engine.dispose()


async def build_runtime(settings: Settings, *, web: bool = False) -> Runtime:
    """The process's parts; ``web``: the webhook's process keeps SQLite off its event loop's thread."""
    # Content is validated here: a broken data file stops the process at start, not mid-conversation.
    keywords = load_keyword_rules(settings.data_dir / "keywords.yml")
    templates = load_templates(settings.data_dir / "whatsapp_templates.yml")
    office_hours = load_office_hours(settings.data_dir / "office_hours.yml")
    consent = load_consent(settings.data_dir / "consent.yml")
    refuse_placeholders(consent, app_env=settings.app_env)
    prequal = load_prequal_data(settings.data_dir)
    failures = load_failure_replies(settings.data_dir / "failures.yml")
    handoff = load_handoff_rules(settings.data_dir)
    refuse_example_offices(handoff.branches, app_env=settings.app_env)
    consultant = load_consultant_content(settings.data_dir / "handoff.yml", templates)
    contact_hours = load_contact_hours(settings.data_dir / CONTACT_HOURS_FILE)
    if settings.contact_hours_offset_s:  # dev/test only: refused in prod (bot/settings.py)
        contact_hours = contact_hours.shifted(timedelta(seconds=settings.contact_hours_offset_s))
    documents = load_documents(settings.data_dir)
    check_reminder_template(documents.reminders, templates)
    rejection_reasons = load_rejection_reasons(documents)
    reminders = load_policy(settings.data_dir / POLICY_FILE)
    check_policy(reminders, templates=templates, consent=consent)
    payments = load_payments(settings.data_dir)
    refuse_example_channels(payments.channels, app_env=settings.app_env)
    lessons = load_lessons(settings.data_dir)
    rule_ids = [rule.id for rule in prequal.rules.rules]
    lesson_offers = load_lesson_offers(settings.data_dir, courses=lessons.courses, rule_ids=rule_ids)
    engine = make_engine(settings, sqlite_inline=not web)
    lane = SyncLane(settings.sync_database_url)
    redis = await create_pool(
        RedisSettings.from_dsn(settings.redis_url),
        default_queue_name=settings.queue_name,
    )
    http = httpx.AsyncClient(
        timeout=httpx.Timeout(settings.twilio_timeout_s, connect=5.0),
        limits=httpx.Limits(max_connections=50, max_keepalive_connections=20),
    )
    twilio = TwilioRestClient(
        base_url=settings.twilio_api_base_url,
        account_sid=settings.twilio_account_sid,
        auth_token=settings.twilio_auth_token.get_secret_value(),
        client=http,
    )
    return Runtime(
        settings,
        engine,
        make_session_factory(engine),
        redis,
        http,
        twilio,
        keywords,
        templates,
        office_hours,
        consent,
        prequal,
        failures,
        handoff,
        consultant,
        lane,
        InboundStore(engine, lane),
        contact_hours,
        documents,
        rejection_reasons,
        reminders,
        SendRate(
            redis,
            per_s={"sms": settings.sms_send_rate_per_s, "whatsapp": settings.whatsapp_send_rate_per_s},
            burst=settings.send_rate_burst,
            max_sleep_s=settings.send_rate_max_sleep_s,
        ),
        payments,
        lessons,
        lesson_offers,
    )
