import { bytes, esc } from "../html.js";
import type { SiteInput } from "../types.js";

export function downloads(input: SiteInput): string {
  const base = input.settings.downloadsUrl;
  const body = input.artifacts?.length
    ? `<div class="table-wrap"><table class="artifacts">
    <caption>The <code>iron</code> CLI and the Python CLI, version ${esc(input.settings.version)}</caption>
    <thead><tr><th scope="col">File</th><th scope="col">Size</th><th scope="col">SHA-256</th></tr></thead>
    <tbody>
    ${input.artifacts
      .map(
        (a) =>
          `<tr><td><a data-setting-href="downloadsUrl" data-file="${esc(a.name)}" href="${esc(base + a.name)}">${esc(a.name)}</a></td><td>${bytes(a.size)}</td><td><code class="sha">${a.sha256}</code></td></tr>`,
      )
      .join("\n    ")}
    </tbody>
  </table></div>
  <p>Check a download: <code>sha256sum -c SHA256SUMS --ignore-missing</code> (<a data-setting-href="downloadsUrl" data-file="SHA256SUMS" href="${esc(base)}SHA256SUMS">SHA256SUMS</a>).</p>`
    : `<p class="notice" role="status">The CLI artifacts are not built on this server yet. Build them with
  <code>npm run build:artifacts</code>, then rebuild the site (or restart the pilot).</p>`;
  return `<section class="wrap">
  <h1>Downloads</h1>
  <p>The <code>iron</code> CLI and its Python sibling <code>iron-cli-py</code> issue and manage agent tokens against your Control Panel.
  They share <code>~/.iron</code>: a token made by one is listed by the other.</p>
  ${body}
  <h2>Which file?</h2>
  <ul>
    <li><code>iron-linux-x64</code>: a single executable for Linux x64, nothing else to install.</li>
    <li><code>iron.cjs</code>: one JavaScript file for any machine with Node.js 20: <code>node iron.cjs --help</code>.</li>
    <li><code>iron-cli-*.tgz</code>: the npm package: <code>npm install -g ./iron-cli-*.tgz</code>.</li>
    <li><code>iron_cli_py-*.whl</code>: the Python CLI for Python 3.8–3.12: <code>pip install ./iron_cli_py-*.whl</code>, then <code>iron-cli-py --help</code>.</li>
  </ul>
</section>
`;
}
