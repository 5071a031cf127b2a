import { esc } from "../html.js";
import type { SiteSettings } from "../types.js";

export interface Page {
  file: string;
  path: string;
  title: string;
  nav: string;
}

export const PAGES: Page[] = [
  { file: "index.html", path: "/", title: "Budgeted, observable AI agents", nav: "Home" },
  { file: "how-it-works.html", path: "/how-it-works.html", title: "How it works", nav: "How it works" },
  { file: "downloads.html", path: "/downloads.html", title: "Downloads", nav: "Downloads" },
  { file: "docs.html", path: "/docs.html", title: "Documentation", nav: "Docs" },
];

/**
 * The frame of every page: skip link, header with navigation, main, footer. Links that depend on where
 * the platform is deployed carry `data-setting` so /assets/site.js can replace them from /settings.json.
 */
export function layout(page: Page, settings: SiteSettings, main: string): string {
  const nav = PAGES.map(
    (p) => `<li><a href="${p.path}"${p.file === page.file ? ' aria-current="page"' : ""}>${esc(p.nav)}</a></li>`,
  ).join("");
  const signIn = settings.signInUrl ?? "";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(page.title)} · Iron Cage</title>
<meta name="description" content="Iron Cage: budgets, telemetry and sandboxing for AI agents.">
<link rel="icon" href="/assets/logo.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/site.css">
<script type="module" src="/assets/site.js"></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <div class="wrap bar">
    <a class="brand" href="/"><img src="/assets/logo.svg" alt="" width="28" height="28"><span>Iron Cage</span></a>
    <nav aria-label="Main"><ul>${nav}</ul></nav>
    <a class="button small" data-setting="signInUrl" href="${esc(signIn)}"${signIn ? "" : " hidden"}>Sign in</a>
  </div>
</header>
<main id="main">
${main}
</main>
<footer class="foot">
  <div class="wrap">
    <p>Iron Cage <span data-setting-text="version">${esc(settings.version)}</span> · budgets, telemetry and sandboxing for AI agents.</p>
  </div>
</footer>
</body>
</html>
`;
}
