# famibot app image: web (uvicorn), worker and the rasa-sdk action server. See docker-compose.yml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# pyproject.toml pins every dependency; README.md is the package's readme.
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY webhooks ./webhooks
COPY actions ./actions
RUN pip install .

# Content and rules read at run time.
COPY data ./data

RUN useradd --system --create-home --uid 10001 famibot \
    && mkdir -p /var/lib/famibot/media /var/lib/famibot/metrics \
    && chown -R famibot /var/lib/famibot
USER famibot

EXPOSE 8000 5055
CMD ["uvicorn", "webhooks.app:create_app", "--factory", "--host", "0.0.0.0", "--port", "8000", "--no-proxy-headers"]
