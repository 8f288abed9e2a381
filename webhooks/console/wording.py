"""The console's own Spanish words: delivery statuses, Twilio errors, transcript events, the summary's
fields. Conversation content (reasons, outcomes, canned replies, notices) comes from data/ through
``runtime.handoff`` and ``runtime.consultant``, never from here."""

from __future__ import annotations

STATUS_WORDS = {
    "pending": "por enviar",
    "sending": "enviando",
    "accepted": "enviando",
    "scheduled": "enviando",
    "queued": "en cola",
    "unknown": "confirmando",
    "sent": "enviado",
    "delivered": "entregado",
    "read": "leído",
    "failed": "no se entregó",
    "undelivered": "no se entregó",
    "partially_delivered": "entregado en parte",
    "canceled": "cancelado",
    "refused": "no enviado",
    "held": "en espera: sale cuando la persona responda la plantilla",
}
ERROR_WORDS = {
    21610: "la persona pidió no recibir más mensajes",
    63016: "pasaron 24 horas desde su último mensaje; hace falta una plantilla",
    63018: "WhatsApp limitó los envíos; se reintenta",
    30007: "el operador lo filtró",
    30003: "el teléfono no está disponible",
    30005: "el número no existe o está inactivo",
    30006: "es un fijo o el operador no responde",
    21211: "el número no es válido",
}
# TranscriptEntry.event (bot/handoff/transcript.py) -> what the transcript line says.
EVENT_WORDS = {
    "consent_given": "Dio su autorización de datos",
    "consent_refused": "No dio su autorización de datos",
    "opt_out": "Pidió no recibir más mensajes",
    "opt_in": "Volvió a aceptar mensajes",
    "ticket_created": "Pidió un asesor",
    "ticket_requested_again": "Volvió a pedir un asesor",
    "ticket_claimed": "Tomó la conversación",
    "ticket_transferred": "Pasó la conversación a otra persona",
    "ticket_note": "Nota interna",
    "ticket_template_sent": "Se envió la plantilla de WhatsApp para retomar la conversación",
    "ticket_handed_back": "Devolvió la conversación al bot",
    "ticket_closed": "Cerró la conversación",
    "ticket_rasa_told": "El bot recibió lo que escribió el asesor",
    "ticket_document_approved": "Aprobó un documento",
    "ticket_document_rejected": "Pidió de nuevo un documento",
    "ticket_documents_closed": "Todos los documentos quedaron aprobados",
    "ticket_payment_claim_confirmed": "Verificó un pago que la persona reportó",
    "ticket_payment_claim_rejected": "No encontró un pago que la persona reportó",
}
# Events the transcript does not repeat: the consultant's reply shows as the message itself.
SILENT_EVENTS = frozenset({"ticket_reply"})
# Outcomes recorded by the product itself (not in data/handoff.yml's list a consultant picks from).
SYSTEM_OUTCOMES = {
    "handed_back": "Devuelta al bot",
    "opted_out": "La persona pidió no recibir más mensajes",
    "sin_resultado": "Sin resultado",
}
CHANNEL_WORDS = {"sms": "SMS", "whatsapp": "WhatsApp"}
PREQUAL_OUTCOME_WORDS = {"prequalified": "Pre-aprobado", "not_yet": "Todavía no"}
# The pre-qualification rules (bot/prequal/rules_data.py RULE_IDS) as a consultant reads them.
RULE_WORDS = {
    "min_age": "edad mínima",
    "max_age": "edad máxima",
    "municipality_served": "municipio donde trabajamos",
    "document_accepted": "documento aceptado",
    "no_arrears": "sin deudas atrasadas",
    "min_business_months": "tiempo mínimo del negocio",
    "product_fit": "un crédito para su tipo de negocio",
    "sales_capacity": "ventas que alcanzan para la cuota",
}
# The dialogue's answers (nlu/domain/prequal.yml slots) as the summary lists them.
ANSWER_WORDS = {
    "edad": "Edad",
    "municipio": "Municipio (respuesta)",
    "sector": "Actividad (respuesta)",
    "meses_negocio": "Meses del negocio",
    "ventas_mensuales": "Ventas al mes",
    "destino_credito": "Para qué es el crédito",
    "monto": "Monto que pide",
    "mora": "Deudas atrasadas",
    "pago": "Crédito y cuota",  # bot/payments/: "ya pagué" and "no puedo pagar" tickets
}
# The credit panel (webhooks/console/payments_view.py): an instalment's state, a claim's state.
INSTALMENT_WORDS = {"paid": "Pagada", "pending": "Pendiente", "overdue": "Vencida", "canceled": "Anulada"}
CLAIM_WORDS = {"open": "Por verificar", "confirmed": "Pago verificado", "rejected": "No aparece el pago"}
# The documents panel: an item's state (a rejection adds its reason's label from data/documents.yml).
DOCUMENT_STATUS_WORDS = {"pending": "Falta", "received": "Recibido", "approved": "Aprobado",
                         "rejected": "Rechazado"}  # fmt: skip
DOCUMENT_REQUEST_WORDS = {
    "collecting": "Faltan documentos",
    "complete": "Completa: por revisar",
    "closed": "Cerrada",
}
SMS_ROUTE_WORDS = {
    "relative": "Los envía desde el WhatsApp de un familiar",
    "office": "Los lleva a la oficina",
    "call": "Pidió que un asesor lo llame",
}
# The micro-lessons (webhooks/console/lessons_view.py): an enrolment's status, why it paused, a quiz.
LESSON_STATUS_WORDS = {"active": "En curso", "paused": "En pausa", "finished": "Terminado", "left": "Lo dejó"}
PAUSE_WORDS = {"asked": "la persona la pidió", "no_answer": "no respondió", "switched": "cambió de curso"}
LESSON_RESULT_WORDS = {
    "first_try": "Acertó al primer intento",
    "second_try": "Acertó al segundo intento",
    "missed": "No acertó",
    "waiting": "Sin responder",
}
