# Jalur API and worker image: Python 3.11 with the dependencies pinned by requirements.lock.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_NO_CACHE=1

RUN pip install --no-cache-dir uv==0.13.8 \
    && useradd --system --create-home --home-dir /home/jalur jalur

WORKDIR /app

# Dependencies first, in their own layer, so a code change does not reinstall them.
COPY requirements.lock pyproject.toml ./
RUN uv pip sync --system --require-hashes requirements.lock

COPY . .
# Editable, so `jalur migrate` finds migrations/ and graphql/ beside the packages.
RUN uv pip install --system --no-deps -e .

USER jalur
EXPOSE 8000
CMD ["sh", "-c", "jalur migrate && exec jalur serve --host 0.0.0.0 --port 8000"]
