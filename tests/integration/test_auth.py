"""Authentication against real stores: login, tokens, the 401/403 matrix, tenant isolation."""

from __future__ import annotations

import base64
import time

import jwt
import pytest

from tests.conftest import SECRET

pytestmark = pytest.mark.integration


def basic(key: str, secret: str) -> dict[str, str]:
    raw = base64.b64encode(f"{key}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def login(server, credential, **params) -> str:
    result = server.client.simulate_get(
        "/auth.login", headers=basic(credential.access_key, credential.secret_key),
        params=params,
    )
    assert result.status_code == 200, result.text
    return result.json["data"]["token"]


def status(result) -> tuple[int, int]:
    return result.status_code, result.json["meta"]["result_subcode"]


def test_login_with_basic_returns_a_jwt_with_the_expected_claims(server):
    credential = server.credential("acme", "ann", "admin")
    token = login(server, credential)
    claims = jwt.decode(token, SECRET, algorithms=["HS256"])
    assert claims["identity"] == {
        "user": credential.user, "company": credential.company, "role": "admin",
        "user_name": "ann", "company_name": "acme",
    }
    assert claims["api_version"] == "2.15" and isinstance(claims["api_version"], str)
    assert claims["server_version"] and claims["feature_set"] == "basic"
    assert len(claims["session_id"]) == 32
    assert claims["exp"] - claims["iat"] == 30 * 24 * 3600
    assert abs(claims["iat"] - time.time()) < 60


def test_login_works_with_post_and_may_ask_for_a_shorter_lifetime(server):
    credential = server.credential()
    result = server.client.simulate_post(
        "/auth.login", json={"expiration_sec": 600},
        headers=basic(credential.access_key, credential.secret_key),
    )
    claims = jwt.decode(result.json["data"]["token"], SECRET, algorithms=["HS256"])
    assert claims["exp"] - claims["iat"] == 600


def test_login_may_not_ask_for_more_than_the_maximum(server):
    credential = server.credential()
    result = server.client.simulate_get(
        "/auth.login", params={"expiration_sec": 400 * 24 * 3600},
        headers=basic(credential.access_key, credential.secret_key),
    )
    assert status(result) == (400, 12)


def test_token_works_on_other_calls(server):
    token = login(server, server.credential())
    result = server.client.simulate_post("/notes.create", json={"text": "hi"},
                                         headers=bearer(token))
    assert result.status_code == 200


def test_basic_credentials_work_on_a_non_login_call(server):
    credential = server.credential()
    result = server.client.simulate_post(
        "/notes.create", json={"text": "via basic"},
        headers=basic(credential.access_key, credential.secret_key),
    )
    assert result.status_code == 200


def test_no_credentials_is_401_20(server):
    assert status(server.client.simulate_get("/auth.login")) == (401, 20)
    assert status(server.client.simulate_post("/notes.get_all", json={})) == (401, 20)


def test_undecodable_basic_credentials_is_401_21(server):
    result = server.client.simulate_get("/auth.login",
                                        headers={"Authorization": "Basic %%%not-base64"})
    assert status(result) == (401, 21)
    no_colon = base64.b64encode(b"justakey").decode()
    result = server.client.simulate_get("/auth.login",
                                        headers={"Authorization": f"Basic {no_colon}"})
    assert status(result) == (401, 21)


def test_unknown_key_or_wrong_secret_is_401_22(server):
    credential = server.credential()
    for key, secret in ((credential.access_key, "wrong"), ("NOSUCHKEY", credential.secret_key)):
        result = server.client.simulate_get("/auth.login", headers=basic(key, secret))
        assert status(result) == (401, 22)


def test_unsupported_scheme_is_401_10(server):
    result = server.client.simulate_get("/auth.login", headers={"Authorization": "Digest x=1"})
    assert status(result) == (401, 10)


def test_invalid_token_is_401_30(server):
    result = server.client.simulate_post("/notes.get_all", json={},
                                         headers=bearer("not-a-token"))
    assert status(result) == (401, 30)


def test_expired_token_is_401_30(server):
    token = login(server, server.credential(), expiration_sec=1)
    time.sleep(2.1)
    result = server.client.simulate_post("/notes.get_all", json={}, headers=bearer(token))
    assert status(result) == (401, 30)
    assert "expired" in result.json["meta"]["result_msg"]


def test_token_is_refused_after_logout(server):
    credential = server.credential()
    token, other = login(server, credential), login(server, credential)
    assert server.client.simulate_post("/auth.logout", json={},
                                       headers=bearer(token)).status_code == 200
    result = server.client.simulate_post("/notes.get_all", json={}, headers=bearer(token))
    assert status(result) == (401, 30)
    assert "revoked" in result.json["meta"]["result_msg"]
    again = server.client.simulate_post("/notes.get_all", json={}, headers=bearer(other))
    assert again.status_code == 200  # only that session is revoked


def test_role_not_allowed_is_403_20(server):
    user = login(server, server.credential("acme", "ann", "user"))
    admin = login(server, server.credential("acme", "boss", "admin"))
    assert status(server.client.simulate_post("/notes.purge", json={},
                                              headers=bearer(user))) == (403, 20)
    assert server.client.simulate_post("/notes.purge", json={},
                                       headers=bearer(admin)).status_code == 200


def test_actions_without_authorize_need_nothing(server):
    assert server.client.simulate_get("/debug.ping").status_code == 200
    assert server.client.simulate_get("/server.info").status_code == 200


def test_a_company_never_reads_another_companys_data(server):
    acme = login(server, server.credential("acme", "ann"))
    globex = login(server, server.credential("globex", "hank"))
    for text in ("a1", "a2"):
        server.client.simulate_post("/notes.create", json={"text": text}, headers=bearer(acme))
    server.client.simulate_post("/notes.create", json={"text": "g1"}, headers=bearer(globex))
    acme_notes = server.client.simulate_post("/notes.get_all", json={},
                                             headers=bearer(acme)).json["data"]["notes"]
    globex_notes = server.client.simulate_post("/notes.get_all", json={},
                                               headers=bearer(globex)).json["data"]["notes"]
    assert [n["text"] for n in acme_notes] == ["a1", "a2"]
    assert [n["text"] for n in globex_notes] == ["g1"]
    assert {n["company"] for n in acme_notes}.isdisjoint({n["company"] for n in globex_notes})


def test_secrets_are_not_stored_in_plain_text(server):
    credential = server.credential()
    stored = server.runtime.stores.mongo("auth")["credential"].find_one(
        {"_id": credential.access_key})
    assert credential.secret_key not in str(stored)
    assert stored["secret_hash"] != credential.secret_key


def test_admin_credential_from_the_environment_is_idempotent(server):
    from bll.bootstrap import prepare_storage

    env = {"APISERVER_ACCESS_KEY": "ADMINKEY", "APISERVER_SECRET_KEY": "admin-secret"}
    prepare_storage(server.config, server.runtime.stores, env)
    prepare_storage(server.config, server.runtime.stores, env)
    token = login(server, type("C", (), {"access_key": "ADMINKEY",
                                         "secret_key": "admin-secret"})())
    claims = jwt.decode(token, SECRET, algorithms=["HS256"])
    assert claims["identity"]["role"] == "admin"
    assert claims["identity"]["company_name"] == "default"
    assert server.runtime.stores.mongo("auth")["credential"].count_documents(
        {"_id": "ADMINKEY"}) == 1


def test_duplicate_unique_data_is_a_catalogue_error(server):
    from tests.integration.notes import Note

    token = login(server, server.credential())
    note_id = server.client.simulate_post("/notes.create", json={"text": "x"},
                                          headers=bearer(token)).json["data"]["id"]
    from apiserver.errors import APIError
    from bll.storage_errors import translate_storage_error

    try:
        Note(id=note_id, company="c", user="u", text="dup").save(force_insert=True)
    except Exception as exc:  # noqa: BLE001
        error = translate_storage_error(exc)
    assert isinstance(error, APIError) and (error.code, error.subcode) == (400, 801)
