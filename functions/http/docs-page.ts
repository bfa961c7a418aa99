/**
 * `GET /docs`: the API reference, rendered in the browser from `/openapi.json` by the small script
 * below. Chosen over Scalar or Redoc on purpose: their standalone bundles are 1–4 MB, which would
 * make this the largest Lambda by far (issue 13 wants every bundle under 150 KB) and serve
 * megabytes per page view; this page is a few KB, loads nothing from a CDN, and shows what an
 * integrator needs: each operation's scopes, parameters, request and response schemas, examples,
 * and the problem types. Any OpenAPI tool can still read `/openapi.json` itself.
 */
export const DOCS_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tally API reference</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1d2330;background:#fafbfc}
header{padding:1rem 2rem;background:#1d2330;color:#fff}header a{color:#9cf}
main{display:grid;grid-template-columns:17rem 1fr;gap:2rem;padding:1rem 2rem}
nav{position:sticky;top:1rem;align-self:start;max-height:90vh;overflow:auto;font-size:13px}
nav a{display:block;color:#1d2330;text-decoration:none;padding:1px 0}nav h3{margin:.8rem 0 .2rem;text-transform:capitalize}
section.op{background:#fff;border:1px solid #dde1e7;border-radius:6px;padding:1rem 1.2rem;margin-bottom:1.2rem}
.m{display:inline-block;min-width:3.4rem;font-weight:700;font-family:monospace}.get{color:#0a7}.post{color:#06c}.put{color:#a60}.delete{color:#c22}
code,pre{font-family:ui-monospace,monospace;font-size:12.5px}pre{background:#f3f5f8;padding:.6rem;overflow:auto;max-height:24rem}
.scope{background:#eef;border-radius:3px;padding:0 .3rem;margin-right:.3rem}.public{background:#efe}
table{border-collapse:collapse}td,th{border-bottom:1px solid #eee;padding:.2rem .6rem;text-align:left;vertical-align:top}
details summary{cursor:pointer}
</style></head>
<body><header><strong>Tally API</strong> — <span id="version"></span> · <a href="openapi.json">openapi.json</a></header>
<main><nav id="nav"></nav><div id="content">Loading the document…</div></main>
<script>
const esc = (text) => String(text ?? '').replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
const md = (text) => esc(text).replace(/\`([^\`]+)\`/g, '<code>$1</code>').replace(/\\*\\*([^*]+)\\*\\*/g, '<strong>$1</strong>');
const json = (value) => '<pre>' + esc(JSON.stringify(value, null, 2)) + '</pre>';
function resolve(doc, schema, depth = 0) {
  if (depth > 8 || schema === null || typeof schema !== 'object') return schema;
  if (Array.isArray(schema)) return schema.map((item) => resolve(doc, item, depth + 1));
  if (typeof schema.$ref === 'string') return resolve(doc, schema.$ref.slice(2).split('/').reduce((at, key) => at?.[key], doc), depth + 1);
  return Object.fromEntries(Object.entries(schema).map(([key, value]) => [key, resolve(doc, value, depth + 1)]));
}
function render(doc) {
  document.getElementById('version').textContent = doc.info.title + ' ' + doc.info.version + ' (OpenAPI ' + doc.openapi + ')';
  const ops = [];
  for (const [path, item] of Object.entries(doc.paths)) for (const [method, op] of Object.entries(item)) ops.push({ path, method, op });
  const tags = [...new Set(ops.map(({ op }) => op.tags?.[0] ?? 'other'))];
  document.getElementById('nav').innerHTML = tags.map((tag) => '<h3>' + esc(tag) + '</h3>' + ops.filter(({ op }) => (op.tags?.[0] ?? 'other') === tag)
    .map(({ path, method, op }) => '<a href="#' + esc(op.operationId) + '"><span class="m ' + method + '">' + method.toUpperCase() + '</span>' + esc(path) + '</a>').join('')).join('') + '<h3>problems</h3><a href="#problems">problem types</a>';
  const section = ({ path, method, op }) => {
    const auth = op.security?.length === 0 ? '<span class="scope public">public</span> ' + esc(op['x-public'])
      : (op.security?.[0]?.bearerAuth ?? []).map((s) => '<span class="scope">' + esc(s) + '</span>').join('') + ' (bearer JWT, any one scope)';
    const params = (op.parameters ?? []).map((p) => '<tr><td><code>' + esc(p.name) + '</code></td><td>' + esc(p.in) + (p.required ? ', required' : '') + '</td><td>' + md(p.description) + '</td><td><code>' + esc(JSON.stringify(p.schema)) + '</code></td></tr>').join('');
    const body = op.requestBody ? Object.entries(op.requestBody.content).map(([type, media]) => '<details><summary>Body <code>' + esc(type) + '</code>' + (op.requestBody.required ? '' : ' (optional)') + '</summary>' + (media.example === undefined ? '' : 'Example:' + json(media.example)) + 'Schema:' + json(resolve(doc, media.schema)) + '</details>').join('') : '';
    const responses = Object.entries(op.responses).map(([status, r]) => '<tr><td><strong>' + esc(status) + '</strong></td><td>' + md(r.description) + Object.entries(r.content ?? {}).map(([type, media]) => '<details><summary><code>' + esc(type) + '</code></summary>' + json(resolve(doc, media.schema)) + '</details>').join('') + '</td></tr>').join('');
    return '<section class="op" id="' + esc(op.operationId) + '"><h2><span class="m ' + method + '">' + method.toUpperCase() + '</span> <code>' + esc(path) + '</code></h2><p>' + md(op.summary) + '</p>' + (op.description ? '<p>' + md(op.description) + '</p>' : '') + '<p>' + auth + '</p>' + (params ? '<table><tr><th>parameter</th><th>in</th><th>meaning</th><th>schema</th></tr>' + params + '</table>' : '') + body + '<h4>Responses</h4><table>' + responses + '</table></section>';
  };
  const problems = Object.entries(doc['x-problem-types'] ?? {}).map(([type, p]) => '<tr><td><code>' + esc(type) + '</code></td><td>' + esc(p.status) + '</td><td>' + md(p.meaning) + '</td></tr>').join('');
  document.getElementById('content').innerHTML = ops.map(section).join('') + '<section class="op" id="problems"><h2>Problem types (RFC 9457)</h2><table>' + problems + '</table></section>';
}
fetch('openapi.json').then((r) => r.json()).then(render, (error) => { document.getElementById('content').textContent = 'Could not load openapi.json: ' + error; });
</script></body></html>
`;
