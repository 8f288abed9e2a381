"""Hand-off to consultants: office hours, tickets and the queue, ownership, consultant replies.

Plain functions used by the worker and the console alike; queries live in ``bot.db``.
"""
