# famibot Rasa image: Rasa 3.6 (Python 3.10) with the trained model baked in. See docker-compose.yml.
FROM python:3.10-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    RASA_TELEMETRY_ENABLED=false

WORKDIR /app

# The same venv as in development (.venv-rasa, from nlu/requirements.lock), made by the same script:
# scripts/train.sh and scripts/run_rasa.sh call .venv-rasa/bin/rasa.
COPY nlu/requirements.lock nlu/requirements.lock
COPY scripts/setup.sh scripts/setup.sh
RUN scripts/setup.sh rasa && rm -rf var

# Train at build time: the image carries models/famibot.tar.gz, so what was tested is what runs.
# nlu/ also holds famibot_store, the tracker store scripts/run_rasa.sh puts on Rasa's PYTHONPATH.
COPY nlu ./nlu
COPY scripts ./scripts
RUN FAMIBOT_CACHE=/tmp/famibot-cache scripts/train.sh && rm -rf /tmp/famibot-cache .rasa

RUN useradd --system --create-home --uid 10001 rasa
USER rasa

EXPOSE 5005
CMD ["scripts/run_rasa.sh"]
