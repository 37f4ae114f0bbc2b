FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY pbengine ./pbengine
COPY rules ./rules
COPY migrations ./migrations
RUN pip install --no-cache-dir .
# Until the round server lands (issue 3), the container allocates the bundled demo election.
ENTRYPOINT ["pbengine"]
CMD ["allocate", "demo"]
