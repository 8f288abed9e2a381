"""famibot's Rasa tracker store (runs inside the Rasa process; see docs/TRACKER_STORE.md).

nlu/endpoints.yml names it as ``famibot_store.WindowedRedisTrackerStore``; scripts/run_rasa.sh puts
``nlu/`` on the Rasa process's PYTHONPATH. It imports Rasa, so nothing in bot/, webhooks/ or actions/
may import it.
"""

from famibot_store.store import WindowedRedisTrackerStore

__all__ = ["WindowedRedisTrackerStore"]
