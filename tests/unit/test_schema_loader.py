"""Loading HOCON service schemas: the real services, the format's features, broken files."""

from __future__ import annotations

import pytest

from apiserver.config import DEFAULT_SCHEMAS_DIR
from apiserver.errors import (
    DuplicateBindingError,
    InvalidJSONSchemaError,
    InvalidVersionKeyError,
    SchemaError,
    SchemaIncludeError,
    SchemaSyntaxError,
    UnknownActionBindingError,
    UnknownSchemaKeyError,
    UnresolvableRefError,
)
from apiserver.registry import Binding, EndpointRegistry
from apiserver.schema.compiler import compile_schemas
from apiserver.schema.loader import load_schemas
from apiserver.versions import Version
from tests.conftest import FIXTURES

# Exactly the version keys of the seeds, per action.
SEED_VERSIONS = {
    "workers": {
        "get_all": ["2.4", "999.0"], "register": ["2.4"], "unregister": ["2.4"],
        "status_report": ["2.4"], "get_metric_keys": ["2.4"], "get_stats": ["2.4"],
        "get_activity_report": ["2.4"],
    },
    "queues": {
        "get_by_id": ["2.4"], "get_all_ex": ["2.4", "2.15"], "get_all": ["2.4", "2.15"],
        "get_default": ["2.4"], "create": ["2.4", "2.13"], "update": ["2.4", "2.13"],
        "delete": ["2.4"], "add_task": ["2.4"], "get_next_task": ["2.4"],
        "remove_task": ["2.4"], "move_task_forward": ["2.4"], "move_task_backward": ["2.4"],
        "move_task_to_front": ["2.4"], "move_task_to_back": ["2.4"],
        "get_queue_metrics": ["2.4"], "add_or_update_metadata": ["2.13"],
        "delete_metadata": ["2.13"],
    },
    "tasks": {
        **{a: ["2.1"] for a in (
            "get_by_id", "get_all_ex", "get_all", "create", "validate", "update",
            "update_batch", "edit", "reset", "delete", "started", "stop", "stopped", "failed",
            "close", "publish", "set_requirements", "ping")},
        "enqueue": ["1.5"], "dequeue": ["1.5"], "completed": ["2.2"],
    },
    "events": {
        **{a: ["2.1"] for a in (
            "add", "add_batch", "delete_for_task", "get_task_events", "download_task_log",
            "get_task_plots", "get_multi_task_plots", "get_vector_metrics_and_variants",
            "vector_metrics_iter_histogram", "scalar_metrics_iter_histogram",
            "multi_task_scalar_metrics_iter_histogram", "get_task_latest_scalar_values",
            "get_scalar_metrics_and_variants", "get_scalar_metric_data")},
        "debug_images": ["2.1", "2.7"], "get_task_metrics": ["2.7"],
        "get_task_log": ["1.5", "1.7", "2.7"],
    },
}


@pytest.fixture(scope="module")
def real():
    return load_schemas(DEFAULT_SCHEMAS_DIR)


@pytest.mark.parametrize("service", sorted(SEED_VERSIONS))
def test_seed_services_have_exactly_the_seed_actions_and_versions(real, service):
    actions = real.services[service].actions
    assert {a: [str(v.version) for v in actions[a].versions] for a in actions} == \
        SEED_VERSIONS[service]


def test_action_counts_match_the_issue(real):
    counts = {s: len(real.services[s].actions) for s in SEED_VERSIONS}
    assert counts == {"workers": 7, "queues": 17, "tasks": 21, "events": 17}


def test_framework_services_are_loaded(real):
    assert real.action("debug.ping").policy.authorize is False
    assert real.action("server.info").policy.authorize is False


def test_unreleased_version_does_not_raise_the_latest(real):
    assert real.latest_released_version() == Version(2, 15)


def test_every_real_schema_compiles_with_refs_resolved(real):
    registry = EndpointRegistry(compile_schemas(real), [])
    assert len(registry.status()) == sum(len(s.actions) for s in real.services.values())


def test_internal_flag_is_read(real):
    assert real.action("tasks.get_all_ex").policy.internal is True
    assert real.action("tasks.get_all").policy.internal is False


def test_queue_metadata_of_2_13_is_a_request_field(real):
    request = real.action("queues.create").version(Version(2, 13)).request
    assert "metadata" in request["properties"]
    assert request["properties"]["name"]["type"] == "string"  # inherited from 2.4
    assert "metadata" not in real.action("queues.create").version(Version(2, 4)).request[
        "properties"]


def test_inherited_version_states_only_what_changed(real):
    v24 = real.action("queues.get_all").version(Version(2, 4)).request["properties"]
    v215 = real.action("queues.get_all").version(Version(2, 15)).request["properties"]
    assert set(v24) < set(v215)
    assert {"scroll_id", "size"} <= set(v215) - set(v24)


def test_batch_targets_name_existing_versions(real):
    assert real.action("events.add_batch").versions[0].batch.action == "add"
    assert str(real.action("tasks.update_batch").versions[0].batch.version) == "2.1"


def test_workers_stat_item_accepts_aggregation_and_category(real):
    item = real.services["workers"].definitions["stat_item"]["properties"]
    assert {"key", "aggregation", "category"} <= set(item)


# --- the format's features ------------------------------------------------------------------

@pytest.fixture(scope="module")
def features():
    return load_schemas(FIXTURES / "schemas" / "features")


def test_includes_resolve_relative_to_the_including_file(features):
    definitions = features.services["paint"].definitions
    assert {"color", "id_list", "leaf"} <= set(definitions)


def test_definitions_are_injected_into_every_schema(features):
    request = features.action("paint.mix").version(Version(1, 0)).request
    assert request["definitions"]["color"]["enum"] == ["red", "green"]


def test_versions_sort_numerically_per_component(features):
    assert [str(v.version) for v in features.action("paint.mix").versions] == \
        ["1.0", "1.9", "1.10"]


def test_substitution_merges_and_dotted_keys_extend(features):
    v110 = features.action("paint.mix").version(Version(1, 10))
    assert set(v110.request["properties"]) == {"colors", "ids", "amount", "shine"}
    assert v110.response["properties"]["count"]["type"] == "integer"
    assert features.action("paint.mix").version(Version(1, 9)).description == "Mix colors, 1.9"


def test_policy_layers_defaults_service_and_action(features):
    mix = features.action("paint.mix").policy
    dry = features.action("paint.dry").policy
    assert (mix.authorize, mix.allow_roles, mix.internal) == (False, ("user", "admin"), True)
    assert (dry.authorize, dry.allow_roles, dry.internal) == (True, ("root",), False)


def test_underscore_files_are_not_services(features):
    assert set(features.services) == {"paint"}


# --- broken schemas fail start-up with named errors -----------------------------------------

BROKEN = FIXTURES / "broken"


@pytest.mark.parametrize(("folder", "error", "words"), [
    ("bad_include", SchemaIncludeError, ["things.conf", "_missing.conf"]),
    ("unknown_key", UnknownSchemaKeyError, ["things.conf", "things.get", "1.0", "respnose"]),
    ("unknown_service_key", UnknownSchemaKeyError, ["things.conf", "_defaults"]),
    ("bad_version_key", InvalidVersionKeyError, ["things.conf", "things.get", "v2"]),
    ("hocon_syntax", SchemaSyntaxError, ["things.conf"]),
    ("request_and_batch", SchemaError, ["things.get", "1.0", "request"]),
])
def test_broken_file_fails_loading_with_a_named_error(folder, error, words):
    with pytest.raises(error) as info:
        load_schemas(BROKEN / folder)
    for word in words:
        assert word in str(info.value)


@pytest.mark.parametrize(("folder", "error", "words"), [
    ("unresolvable_ref", UnresolvableRefError,
     ["things.conf", "things.get", "1.0", "#/definitions/thnig", "response"]),
    ("invalid_json_schema", InvalidJSONSchemaError,
     ["things.conf", "things.get", "1.0", "integr"]),
    ("batch_target", SchemaError, ["things.add_batch", "things.add", "1.5"]),
])
def test_broken_schema_fails_compiling_with_a_named_error(folder, error, words):
    schemas = load_schemas(BROKEN / folder)
    with pytest.raises(error) as info:
        compile_schemas(schemas)
    for word in words:
        assert word in str(info.value)


def handler(call):
    return {}


def other(call):
    return {}


def test_duplicate_binding_is_a_startup_error(features):
    with pytest.raises(DuplicateBindingError) as info:
        EndpointRegistry(compile_schemas(features), [Binding("paint.mix", "1.0", handler),
                                    Binding("paint.mix", "1.0", other)])
    assert "paint.mix" in str(info.value) and "handler" in str(info.value)


def test_binding_to_an_unknown_action_is_a_startup_error(features):
    with pytest.raises(UnknownActionBindingError) as info:
        EndpointRegistry(compile_schemas(features), [Binding("paint.wash", "1.0", handler)])
    assert "paint.wash" in str(info.value)


def test_binding_to_an_unknown_version_is_a_startup_error(features):
    with pytest.raises(UnknownActionBindingError) as info:
        EndpointRegistry(compile_schemas(features), [Binding("paint.mix", "1.5", handler)])
    assert "1.5" in str(info.value) and "1.0, 1.9, 1.10" in str(info.value)


def test_missing_schema_folder_is_a_startup_error(tmp_path):
    with pytest.raises(SchemaError):
        load_schemas(tmp_path / "nowhere")
