"""Debug images (2.1, and 2.7 with URL-recycling detection) and plots."""

from __future__ import annotations

import pytest

from tests.integration.events.api import Api

pytestmark = pytest.mark.integration


def images(task: str, metric: str, variant: str, names: int, iters: int) -> list[dict]:
    """Images of ``iters`` iterations whose file names cycle over ``names`` files."""
    return [{"type": "training_debug_image", "task": task, "iter": i, "metric": metric,
             "variant": variant, "key": f"{variant}_{i % names}",
             "url": f"http://files/{variant}_{i % names}.png"} for i in range(iters)]


def test_debug_images_2_1_returns_the_last_iterations(api: Api) -> None:
    task = api.task()
    api.batch(images(task, "m", "a", 100, 5))
    data = api.data("events.debug_images", "2.1", task=task, iters=2)
    assert data["task"] == task and data["total"] == 2
    assert [e["iter"] for e in data["images"]] == [4, 3]


def test_debug_images_2_7_hides_recycled_urls_and_navigates(api: Api) -> None:
    task = api.task()
    # "a" cycles over 7 files, "b" over 4, for iterations 0..9:
    # a's newest url (iter 9) was also used at 2, b's (iter 9) at 5 and 1
    api.batch([*images(task, "m", "a", 7, 10), *images(task, "m", "b", 4, 10)])
    request = {"metrics": [{"task": task, "metric": "m"}], "iters": 5}
    page1 = api.data("events.debug_images", "2.7", **request)
    row = page1["metrics"][0]
    assert row["task"] == task and row["metric"] == "m"
    assert [it["iter"] for it in row["iterations"]] == [9, 8, 7, 6, 5]
    variants = {it["iter"]: sorted(e["variant"] for e in it["events"])
                for it in row["iterations"]}
    assert variants[9] == ["a", "b"] and variants[5] == ["a"]
    page2 = api.data("events.debug_images", "2.7", scroll_id=page1["scroll_id"], **request)
    iterations = page2["metrics"][0]["iterations"]
    assert [it["iter"] for it in iterations] == [4, 3]
    assert all(e["variant"] == "a" for it in iterations for e in it["events"])
    page3 = api.data("events.debug_images", "2.7", scroll_id=page1["scroll_id"], **request)
    assert page3["metrics"][0]["iterations"] == []
    back = api.data("events.debug_images", "2.7", scroll_id=page1["scroll_id"],
                    navigate_earlier=False, **request)
    assert [it["iter"] for it in back["metrics"][0]["iterations"]] == [9, 8, 7, 6, 5]
    refreshed = api.data("events.debug_images", "2.7", scroll_id=page1["scroll_id"],
                         refresh=True, **{**request, "iters": 1})
    assert [it["iter"] for it in refreshed["metrics"][0]["iterations"]] == [9]


def test_debug_images_2_7_refuses_a_scroll_of_other_metrics(api: Api) -> None:
    task = api.task()
    api.batch(images(task, "m", "a", 3, 3))
    page = api.data("events.debug_images", "2.7", metrics=[{"task": task, "metric": "m"}])
    result = api.call("events.debug_images", "2.7", metrics=[{"task": task, "metric": "x"}],
                      scroll_id=page["scroll_id"], expect=400)
    assert result["meta"]["result_subcode"] == 1104
    unknown = api.call("events.debug_images", "2.7", metrics=[{"task": "nope", "metric": "m"}],
                       expect=400)
    assert unknown["meta"]["result_subcode"] == 101


def plot(task: str, it: int, metric: str = "roc", variant: str = "v") -> dict:
    return {"type": "plot", "task": task, "iter": it, "metric": metric, "variant": variant,
            "plot_str": f'{{"iter": {it}}}'}


def test_task_plots_returns_each_variant_last_iterations(api: Api) -> None:
    task = api.task()
    api.batch([plot(task, i) for i in range(4)] + [plot(task, 0, variant="w")])
    data = api.data("events.get_task_plots", task=task, iters=2)
    assert [(p["variant"], p["iter"]) for p in data["plots"]] == [("v", 3), ("v", 2),
                                                                   ("w", 0)]
    assert data["returned"] == 3 and data["total"] == 3


def test_multi_task_plots_nests_by_metric_variant_task_and_iteration(api: Api) -> None:
    one, two = api.task(name="one"), api.task(name="two")
    api.batch([plot(one, 1), plot(one, 2), plot(two, 5)])
    data = api.data("events.get_multi_task_plots", tasks=[one, two], iters=1)
    plots = data["plots"]["roc"]["v"]
    assert list(plots[one]) == ["2"] and plots[one]["2"]["name"] == "one"
    assert plots[two]["5"]["plots"][0]["plot_str"] == '{"iter": 5}'
    assert data["returned"] == 1 and data["total"] == 2
