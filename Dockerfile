# The service image for real deployments (docker-compose.yml). Development and tests need
# no containers: `make run` / `make test` use embedded PostgreSQL and Kafka.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY notifier notifier
COPY billing billing
COPY gateways gateways
COPY schemas schemas
COPY devstack devstack
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
RUN useradd --system --uid 10001 notifier
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER notifier
# Production: start-up refuses unsafe settings (README "Deployment").
ENV HTTP_HOST=0.0.0.0 HTTP_PORT=8080 DEPLOYMENT_MODE=production
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s CMD python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=2)"
# Migrations are applied at start-up under an advisory lock (safe with several replicas).
CMD ["python", "-m", "notifier", "serve"]
