"""``GET /openapi.json`` and a self-contained ``GET /docs`` page that renders it."""

from __future__ import annotations

from collections.abc import Sequence

import falcon
import orjson

from apiserver.openapi import build_openapi
from apiserver.registry import EndpointRegistry
from apiserver.rest import RestRoute
from apiserver.versions import Version

MAX_CACHED_VERSIONS = 64


class OpenAPIResource:
    """Serve the OpenAPI document of a version (``?version=2.4``; default: the latest)."""

    def __init__(self, registry: EndpointRegistry, rest_routes: Sequence[RestRoute] = ()) -> None:
        self._registry = registry
        self._rest_routes = tuple(rest_routes)
        self._cache: dict[Version | None, bytes] = {}

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Answer the document as JSON."""
        raw = req.get_param("version")
        try:
            version = Version.parse(raw) if raw else None
        except ValueError:
            raise falcon.HTTPBadRequest(
                title="invalid version", description=f"expected <major>.<minor>, got {raw!r}"
            ) from None
        body = self._cache.get(version)
        if body is None:
            body = orjson.dumps(build_openapi(self._registry, version,
                                               rest_routes=self._rest_routes))
            if len(self._cache) < MAX_CACHED_VERSIONS:
                self._cache[version] = body
        resp.content_type = falcon.MEDIA_JSON
        resp.data = body


class DocsPage:
    """A page that renders ``/openapi.json`` for people; nothing is fetched from elsewhere."""

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Answer the page."""
        resp.content_type = falcon.MEDIA_HTML
        resp.text = PAGE


def add_doc_routes(
    app: falcon.App, registry: EndpointRegistry, rest_routes: Sequence[RestRoute] = ()
) -> None:
    """Route ``/openapi.json`` and ``/docs`` (routes win over the RPC sink)."""
    app.add_route("/openapi.json", OpenAPIResource(registry, rest_routes))
    app.add_route("/docs", DocsPage())


def _page() -> str:
    return """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>API reference</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1d2733;background:#f7f8fa}
header{background:#1d2733;color:#fff;padding:14px 24px}
header h1{margin:0;font-size:20px} header p{margin:4px 0 0;opacity:.8}
main{max-width:1100px;margin:0 auto;padding:16px 24px}
input,select{font:inherit;padding:6px 8px;margin-right:8px}
h2{margin:28px 0 8px;text-transform:capitalize}
details{background:#fff;border:1px solid #dde2e8;border-radius:6px;margin:6px 0}
summary{cursor:pointer;padding:8px 12px;font-family:ui-monospace,monospace}
summary .m{display:inline-block;width:46px;color:#fff;background:#2a7a4b;border-radius:4px;
text-align:center;margin-right:8px;font-size:12px} summary .s{color:#5b6573;font-family:system-ui}
.body{padding:4px 16px 12px} pre{background:#f1f3f6;padding:10px;overflow:auto;font-size:13px}
.lock{font-size:12px;color:#8a5a00;margin-left:6px}
</style></head><body>
<header><h1 id="title">API reference</h1><p id="sub"></p></header>
<main>
<p><label>Version <input id="ver" size="6" placeholder="latest"></label>
<label>Filter <input id="q" placeholder="service.action"></label></p>
<div id="out">Loading…</div>
</main>
<script>
const out = document.getElementById("out");
const ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"};
function esc(s){return String(s ?? "").replace(/[&<>]/g, c => ENTITIES[c]);}
function render(doc){
  document.getElementById("title").textContent = doc.info.title + " " + doc.info.version;
  document.getElementById("sub").textContent = doc.info.description || "";
  const q = document.getElementById("q").value.trim().toLowerCase();
  const groups = {};
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (q && !op.operationId.toLowerCase().includes(q)) continue;
      (groups[op.tags[0]] = groups[op.tags[0]] || []).push([path, method, op]);
    }
  }
  let html = "";
  for (const tag of Object.keys(groups).sort()) {
    html += "<h2>" + esc(tag) + "</h2>";
    for (const [path, method, op] of groups[tag]) {
      const body = op.requestBody ? op.requestBody.content : (op.parameters || []);
      const ok = Object.keys(op.responses).find(c => c.startsWith("2"));
      const schema = op.responses[ok].content["application/json"].schema;
      const resp = (schema.properties && schema.properties.data) || schema;
      const open = op.security && op.security.length === 0 ? "" : '<span class="lock">auth</span>';
      html += "<details><summary><span class=m>" + esc(method.toUpperCase()) + "</span>" +
        esc(path) + " " + open +
        ' <span class=s>' + esc(op.summary) + "</span></summary><div class=body><p>" +
        esc(op.description).replace(/\\n/g,"<br>") + "</p><h4>Request</h4><pre>" +
        esc(JSON.stringify(body, null, 2)) + "</pre><h4>Response data</h4><pre>" +
        esc(JSON.stringify(resp, null, 2)) + "</pre></div></details>";
    }
  }
  html += "<h2>Schemas</h2><details><summary>components</summary><div class=body><pre>" +
    esc(JSON.stringify(doc.components.schemas, null, 2)) + "</pre></div></details>";
  out.innerHTML = html || "No operations.";
}
let current = null;
async function load(){
  const v = document.getElementById("ver").value.trim();
  const r = await fetch("openapi.json" + (v ? "?version=" + encodeURIComponent(v) : ""));
  if (!r.ok) { out.textContent = "Cannot load the document: HTTP " + r.status; return; }
  current = await r.json(); render(current);
}
document.getElementById("ver").addEventListener("change", load);
document.getElementById("q").addEventListener("input", () => current && render(current));
load();
</script></body></html>
"""


PAGE = _page()
