FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY pbengine ./pbengine
COPY rules ./rules
COPY migrations ./migrations
RUN pip install --no-cache-dir . && mkdir -p /data
ENV PBENGINE_MIGRATIONS=/app/migrations \
    PBENGINE_DATABASE_URL=sqlite:////data/pbengine.sqlite3
VOLUME /data
EXPOSE 8000
ENTRYPOINT ["pbengine"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000", "--demo"]
