"""The service's own endpoints: liveness, readiness (with the database cut and restored), metrics."""

from __future__ import annotations

from sqlalchemy.engine import make_url

from tests.bot.conftest import MakeClient, make_settings
from tests.tcp_proxy import TcpProxy
from tests.waiting import eventually


async def test_healthz_and_readyz(database_url: str, make_client: MakeClient) -> None:
    client = await make_client(make_settings(database_url))
    resp = await client.get("/healthz")
    assert resp.status == 200
    assert (await resp.json())["status"] == "ok"
    resp = await client.get("/readyz")
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["status"] == "ready"


async def test_metrics_count_requests(database_url: str, make_client: MakeClient) -> None:
    client = await make_client(make_settings(database_url))
    for _ in range(3):
        await client.get("/healthz")
    await client.get("/no-such-page")
    body = await (await client.get("/metrics")).text()
    assert 'leadline_http_requests_total{method="GET",route="/healthz",status="200"} 3.0' in body
    assert 'status="404"' in body
    assert "leadline_http_request_duration_seconds_bucket" in body


async def test_readyz_reports_pending_migrations(empty_database_url: str, make_client: MakeClient) -> None:
    client = await make_client(make_settings(empty_database_url))
    resp = await client.get("/readyz")
    assert resp.status == 503
    assert (await resp.json())["database"] == "migrations pending"


async def test_readyz_follows_the_database_down_and_back(postgres_url: str, make_client: MakeClient) -> None:
    target = make_url(postgres_url)
    proxy = TcpProxy(target.host or "127.0.0.1", target.port or 5432)
    await proxy.start()
    try:
        via_proxy = target.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        client = await make_client(make_settings(via_proxy))
        assert (await client.get("/readyz")).status == 200
        await proxy.cut()
        resp = await client.get("/readyz")
        assert resp.status == 503
        assert (await resp.json())["database"] == "unreachable"
        assert (await client.get("/healthz")).status == 200
        await proxy.restore()

        async def ready() -> bool:
            return (await client.get("/readyz")).status == 200

        await eventually(ready, "readyz recovers after the database came back")
    finally:
        await proxy.cut()
