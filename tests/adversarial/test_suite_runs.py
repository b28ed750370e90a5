"""The adversarial suite's own fixtures work: a server starts and answers."""
from api_client import Api


def test_server_answers(shared_server):
    with Api(shared_server.port) as api:
        assert api.get("/healthz").status == 200
