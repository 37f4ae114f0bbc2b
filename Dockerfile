# The wheel is built from the checkout (rules/ and migrations/ ship inside it, see setup.py);
# the image gets only the installed wheel, with its dependencies pinned by constraints.txt.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml setup.py README.md ./
COPY pbengine ./pbengine
COPY rules ./rules
COPY migrations ./migrations
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11-slim
COPY constraints.txt /tmp/constraints.txt
COPY --from=build /wheels /tmp/wheels
# The server runs as pbengine, which owns /data (the database) and nothing else.
RUN pip install --no-cache-dir -c /tmp/constraints.txt /tmp/wheels/*.whl \
    && rm -rf /tmp/wheels /tmp/constraints.txt \
    && useradd --system --user-group --uid 10001 --no-create-home --home-dir /data pbengine \
    && mkdir /data && chown pbengine:pbengine /data
USER pbengine
WORKDIR /data
# A real database by default, kept in the volume. The demo rounds only when asked:
#   docker run -e PBENGINE_DEMO=1 -p 8000:8000 pbengine
ENV PBENGINE_DATABASE_URL=sqlite:////data/pbengine.sqlite3
VOLUME /data
EXPOSE 8000
# /health answers 200 while the app runs and its database answers (503 otherwise).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4)"]
ENTRYPOINT ["pbengine"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
