# viche in a container: `docker compose up` runs it with PostgreSQL (compose.yaml, README "Deploy in production").
# Two stages: the build installs the locked dependencies (constraints.txt, as `make install` does) and compiles
# the catalogs; the image keeps only the virtual environment, run by a user without privileges.
FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
RUN python -m venv /opt/viche
COPY constraints.txt pyproject.toml README.md babel.cfg ./
# The build backend at its locked version first: --no-build-isolation builds with it, not with the newest.
RUN /opt/viche/bin/python -m pip install -c constraints.txt pip setuptools wheel babel
COPY core core
COPY storage storage
COPY api api
COPY bot bot
COPY sandbox sandbox
COPY viche viche
RUN /opt/viche/bin/pybabel compile -D viche -d bot/i18n/locales \
    && /opt/viche/bin/python -m pip install -c constraints.txt --no-build-isolation . \
    && /opt/viche/bin/python -c "from bot.i18n import translator; assert translator('uk')._('Choose your language:') != 'Choose your language:'"

FROM python:3.11-slim
ENV PATH=/opt/viche/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 \
    VICHE_HOST=0.0.0.0 VICHE_PORT=8000
# Pango and a font with Cyrillic for the PDFs (api/pdf.py, WeasyPrint): ~14 MB installed.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --system --uid 10001 --no-create-home --home-dir /var/lib/viche viche \
    && mkdir -p /var/lib/viche && chown viche /var/lib/viche
COPY --from=build /opt/viche /opt/viche
USER viche
WORKDIR /var/lib/viche
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
    CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"VICHE_PORT\"]}/healthz', timeout=4)"
CMD ["viche", "api"]
