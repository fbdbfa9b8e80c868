# The MHHS Qualification Assistant as one container running `mhhs-bot serve`.
#   docker build -t mhhs-bot .
#   docker run --env-file .env -p 3000:3000 -v mhhs-data:/data mhhs-bot
# One container per data volume: the scheduler and the inbox watcher must run once.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    MHHS_DATA_DIR=/data \
    HTTP_HOST=0.0.0.0 \
    PORT=3000

WORKDIR /app

# PyTorch from its CPU-only index first (no CUDA libraries: about 1 GB smaller), pinned as in pyproject.toml
RUN pip install --index-url https://download.pytorch.org/whl/cpu torch==2.13.0

COPY pyproject.toml README.md ./
COPY bot ./bot
COPY knowledge ./knowledge
COPY handlers ./handlers
RUN pip install . \
    && useradd --system --home-dir /data --shell /usr/sbin/nologin mhhs \
    && mkdir -p /data && chown mhhs /data && chmod 750 /data

USER mhhs
VOLUME ["/data"]
EXPOSE 3000

# Check the settings and connections, index the guidance if needed, then serve (mhhs-bot run does the last two).
HEALTHCHECK --interval=60s --timeout=5s --start-period=120s \
    CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\", \"3000\")}/healthz', timeout=4)"
CMD ["sh", "-c", "mhhs-bot index && exec mhhs-bot serve"]
