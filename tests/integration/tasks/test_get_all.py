"""get_all / get_all_ex: filters, ordering, paging, projection and scrolling."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest

pytestmark = pytest.mark.integration


def ids(result, key="tasks"):
    return [item["id"] for item in result[key]]


@pytest.fixture
def corpus(api, tasks_collection):
    """Five tasks with known fields (created through the API, then adjusted in storage)."""
    project = api("projects.create", name="proj")["id"]
    specs = [
        ("alpha one", "training", ["a", "b"], [], "created", "2021-01-01", project, "c1"),
        ("alpha two", "testing", ["a"], ["archived"], "in_progress", "2021-02-01", None, None),
        ("beta three", "training", ["b"], [], "stopped", "2021-03-01", project, "note Foo"),
        ("Beta four", "testing", [], [], "published", "2021-04-01", None, "c4"),
        ("gamma five", "training", ["c"], ["hidden"], "created", "2021-05-01", None, None),
    ]
    made = {}
    for name, type_, tags, system_tags, status, changed, proj, comment in specs:
        data = {"tags": tags, "system_tags": system_tags}
        if proj:
            data["project"] = proj
        if comment:
            data["comment"] = comment
        task = api.task(name, type_, **data)
        tasks_collection.update_one({"_id": task}, {"$set": {
            "status": status, "status_changed": datetime.fromisoformat(changed)}})
        made[name] = task
    made["project"] = project
    return made


def names(api, **query):
    return [t["name"] for t in api("tasks.get_all", order_by=["name"], only_fields=["name"],
                                   **query)["tasks"]]


def test_list_filters_include_exclude_and_null(api, corpus):
    assert names(api, tags=["a"]) == ["alpha one", "alpha two"]
    assert names(api, tags=["a", "-b"]) == ["alpha two"]
    assert names(api, tags=["-a"]) == ["Beta four", "beta three"]
    assert names(api, type=["testing"]) == ["Beta four", "alpha two"]
    assert names(api, status=["created", "stopped"]) == ["alpha one", "beta three"]
    assert names(api, project=[corpus["project"]]) == ["alpha one", "beta three"]
    assert names(api, system_tags=["-archived"]) == ["Beta four", "alpha one", "beta three"]
    assert names(api, user=[api.user]) == names(api)
    assert api.error("tasks.get_all", tags=["-"]) == (400, 16)


def test_list_filter_operators(api, corpus):
    assert names(api, tags=["__$all", "a", "b"]) == ["alpha one"]
    assert names(api, tags=["__$any", "__$not", "a", "b"]) == \
        ["Beta four", "alpha one", "beta three"]
    assert api.error("tasks.get_all", tags=["__$bad", "a"]) == (400, 16)
    assert api.error("tasks.get_all", tags=["__$not"]) == (400, 16)


def test_hidden_tasks_need_an_id_filter(api, corpus):
    assert "gamma five" not in names(api)
    assert names(api, id=[corpus["gamma five"]]) == ["gamma five"]
    assert names(api, id=[corpus["gamma five"], corpus["alpha one"]]) == \
        ["alpha one", "gamma five"]


def test_name_is_a_case_sensitive_unanchored_regex(api, corpus):
    assert names(api, name="^alpha") == ["alpha one", "alpha two"]
    assert names(api, name="eta") == ["Beta four", "beta three"]
    assert names(api, name="^beta three$") == ["beta three"]
    assert names(api, name="(?i)^beta") == ["Beta four", "beta three"]
    assert api.error("tasks.get_all", name="([") == (400, 21)


def test_multi_field_patterns(api, corpus):
    assert names(api, _any_={"fields": ["name", "comment"], "pattern": "foo"}) == ["beta three"]
    assert names(api, _any_={"fields": ["name", "comment"], "pattern": "^C"}) == \
        ["Beta four", "alpha one"]
    assert names(api, _all_={"fields": ["name", "comment"], "pattern": "e"}) == ["beta three"]
    assert names(api, _any_={"fields": [], "pattern": "zzz"}) == names(api)
    assert api.error("tasks.get_all", _any_={"fields": ["name"]}) == (400, 16)


def test_status_changed_constraints(api, corpus):
    assert names(api, status_changed=[">=2021-02-01", "<2021-04-01"]) == \
        ["alpha two", "beta three"]
    assert names(api, status_changed=["2021-02-01", "2021-03-01"]) == \
        ["alpha two", "beta three"]
    assert names(api, status_changed=[">2021-03-01T00:00:00"]) == ["Beta four"]
    assert names(api, status_changed=["<=2021-01-01", "garbage"]) == ["alpha one"]


def test_search_text(api, corpus):
    assert names(api, search_text="ALPHA") == ["alpha one", "alpha two"]
    assert names(api, search_text="three four") == ["Beta four", "beta three"]
    assert names(api, search_text='"note foo"') == ["beta three"]
    assert names(api, search_text="alpha -two") == ["alpha one"]
    scored = api("tasks.get_all", search_text="alpha", order_by=["@text_score", "name"])
    assert [t["name"] for t in scored["tasks"]] == ["alpha one", "alpha two"]
    assert api.error("tasks.get_all", order_by=["@text_score"]) == (400, 16)


def test_order_by_descending_and_null_last(api, corpus):
    result = api("tasks.get_all", order_by=["-name"], only_fields=["name"])
    assert [t["name"] for t in result["tasks"]] == \
        ["beta three", "alpha two", "alpha one", "Beta four"]
    by_comment = api("tasks.get_all", order_by=["comment"], only_fields=["comment"])["tasks"]
    assert [t.get("comment") for t in by_comment] == ["c1", "c4", "note Foo", None]
    # paging carries the offset across the two parts of the null-last order
    pages = [api("tasks.get_all", order_by=["comment"], page=p, page_size=3)["tasks"]
             for p in range(2)]
    assert [t.get("comment") for page in pages for t in page] == ["c1", "c4", "note Foo", None]
    second_only = api("tasks.get_all", order_by=["comment"], page=3, page_size=1)["tasks"]
    assert [t.get("comment") for t in second_only] == [None]
    by_status = api("tasks.get_all", order_by=["status", "-name"], only_fields=["status"])
    assert [t["status"] for t in by_status["tasks"]] == \
        ["created", "in_progress", "published", "stopped"]


def test_projection_with_dotted_paths(api, corpus, tasks_collection):
    task = corpus["alpha one"]
    tasks_collection.update_one({"_id": task}, {"$set": {
        "execution.queue": "q1", "execution.parameters": {"x": "1"},
        "last_metrics": {"m1": {"v1": {"metric": "loss", "variant": "t", "value": 1.5}}}}})
    result = api("tasks.get_all", id=[task], only_fields=["execution.queue", "name",
                                                          "last_metrics.m1.v1.value"])
    assert result["tasks"] == [{"id": task, "name": "alpha one", "execution": {"queue": "q1"},
                                "last_metrics": {"m1": {"v1": {"value": 1.5}}}}]
    whole = api("tasks.get_all", id=[task], only_fields=["execution.*"])["tasks"][0]
    assert whole == {"id": task, "execution": {"queue": "q1", "parameters": {"x": "1"}}}
    excluded = api("tasks.get_all", id=[task], only_fields=["-execution", "-tags"])["tasks"][0]
    assert "execution" not in excluded and "tags" not in excluded and excluded["name"]
    assert "enqueue_status" not in excluded
    only_id = api("tasks.get_all", id=[task], only_fields=["id"])["tasks"]
    assert only_id == [{"id": task}]


def test_paging_defaults_to_and_caps_at_500(api, tasks_collection):
    now = datetime(2024, 1, 1)
    tasks_collection.insert_many([
        {"_id": uuid.uuid4().hex, "company": api.company, "name": f"task {i:04d}",
         "type": "training", "status": "created", "created": now + timedelta(seconds=i),
         "system_tags": [], "tags": []}
        for i in range(520)])
    assert len(api("tasks.get_all")["tasks"]) == 500
    assert len(api("tasks.get_all", page=0, page_size=1000)["tasks"]) == 500
    page = api("tasks.get_all", order_by=["name"], page=2, page_size=7, only_fields=["name"])
    assert [t["name"] for t in page["tasks"]] == [f"task {i:04d}" for i in range(14, 21)]
    assert api.error("tasks.get_all", page=-1, page_size=5) == (400, 12)
    assert api.error("tasks.get_all", page_size=0) == (400, 12)
    assert api.error("tasks.get_all", page=1) == (400, 12)  # page needs page_size


def test_scrolling_through_more_than_1000_tasks_returns_every_id_once(api, tasks_collection):
    made = [uuid.uuid4().hex for _ in range(1150)]
    tasks_collection.insert_many([
        {"_id": task, "company": api.company, "name": f"task {i}", "type": "training",
         "status": "created", "system_tags": [], "tags": []} for i, task in enumerate(made)])
    seen, scroll_id, calls = [], "", 0
    while True:
        result = api("tasks.get_all_ex", scroll_id=scroll_id, size=100, only_fields=["id"])
        calls += 1
        scroll_id = result["scroll_id"]
        if not result["tasks"]:
            break
        seen += ids(result)
    assert calls == 13 and len(seen) == len(made) and set(seen) == set(made)
    again = api("tasks.get_all_ex", scroll_id=scroll_id, size=100)
    assert again["tasks"] == [] and again["scroll_id"] == scroll_id
    refreshed = api("tasks.get_all_ex", scroll_id=scroll_id, size=100, refresh_scroll=True,
                    only_fields=["id"])
    assert len(refreshed["tasks"]) == 1150 and refreshed["scroll_id"] == scroll_id


def test_scroll_needs_a_size_and_restarts_on_unknown_ids(api, corpus):
    assert api.error("tasks.get_all_ex", scroll_id="") == (400, 12)
    first = api("tasks.get_all_ex", scroll_id="unknown", size=2, order_by=["name"])
    assert first["scroll_id"] != "unknown" and len(first["tasks"]) == 2
    second = api("tasks.get_all_ex", scroll_id=first["scroll_id"], size=2, order_by=["name"])
    assert not set(ids(first)) & set(ids(second))
    # tasks.get_all has only the seed's 2.1, which declares no scroll fields: they are dropped
    plain = api("tasks.get_all", "2.15", scroll_id="", size=1)
    assert len(plain["tasks"]) == 4 and "scroll_id" not in plain


def test_scroll_state_lives_in_redis_with_a_ttl(server, api, corpus):
    scroll_id = api("tasks.get_all_ex", scroll_id="", size=1)["scroll_id"]
    keys = [k for k in server.runtime.stores.redis.scan_iter(f"scroll:*{scroll_id}")]
    assert len(keys) == 1
    assert 590 <= server.runtime.stores.redis.ttl(keys[0]) <= 600


def test_queues_get_all_filters_hidden_and_scroll(api, other):
    names = ["queue a", "queue b", "queue c"]
    made = {n: api.queue(n, tags=[n[-1]]) for n in names}
    hidden = api.queue("k8s queue", system_tags=["k8s-glue"])
    other.queue("foreign")
    listed = api("queues.get_all", order_by=["-name"])["queues"]
    assert [q["name"] for q in listed] == ["queue c", "queue b", "queue a"]
    assert [q["name"] for q in api("queues.get_all", name="k8s")["queues"]] == ["k8s queue"]
    assert ids(api("queues.get_all", id=[hidden]), "queues") == [hidden]
    assert [q["name"] for q in api("queues.get_all", tags=["-a"], order_by=["name"])["queues"]] \
        == ["queue b", "queue c"]
    assert api("queues.get_all", name="^queue a$", only_fields=["name", "id"])["queues"] == \
        [{"id": made["queue a"], "name": "queue a"}]
    assert [q["name"] for q in api("queues.get_all", search_text='"QUEUE B"')["queues"]] == \
        ["queue b"]
    first = api("queues.get_all_ex", "2.15", scroll_id="", size=2, order_by=["name"])
    rest = api("queues.get_all_ex", "2.15", scroll_id=first["scroll_id"], size=2,
               order_by=["name"])
    assert [q["name"] for q in first["queues"] + rest["queues"]] == names
    assert "scroll_id" not in api("queues.get_all", "2.4", scroll_id="", size=1)
    assert api("queues.get_all", "2.15", scroll_id="", size=1)["scroll_id"]


def test_agent_style_queue_lookups(api):
    queue = api.queue("default")
    found = api("queues.get_all", "2.5", name="default", only_fields=["name", "id"])["queues"]
    assert found == [{"id": queue, "name": "default"}]
    assert api("queues.get_all", "2.5", id=[queue], only_fields=["id", "tags"])["queues"] == \
        [{"id": queue, "tags": []}]
    assert api.error("queues.get_by_id", queue="default") == (400, 701)
