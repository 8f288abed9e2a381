"""famibot's REST channel for Rasa (runs inside the Rasa process; nlu/credentials.yml names it).

Rasa's own REST channel answers 200 with whatever replies came before when a custom action fails
(the action server is down, slow, or answers 500): the processor logs the error and goes on. The
gateway could only tell a whole answer from a partial one by asking the action server's /health after
every turn. This channel is Rasa's REST channel (same URL ``/webhooks/rest/webhook``, same replies)
plus one last item, ``{"custom": {"famibot_turn": {"errors": N}}}``: how many errors Rasa logged (or
raised) while it handled this message. N == 0 means every action of the turn ran; the gateway then
needs no probe (bot/rasa_client.py). Imports Rasa: nothing in bot/, webhooks/ or actions/ imports it.
"""

from famibot_channel.channel import FamibotRestInput

__all__ = ["FamibotRestInput"]
