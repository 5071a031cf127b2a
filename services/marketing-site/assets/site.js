/* global document */
// Run-time settings: a deployment may write /settings.json ({ controlPanelUrl, signInUrl, downloadsUrl });
// its values replace the ones the site was built with.
async function applySettings() {
  let settings;
  try {
    const res = await fetch("/settings.json", { cache: "no-cache" });
    if (!res.ok) return;
    settings = await res.json();
  } catch {
    return;
  }
  if (!settings || typeof settings !== "object") return;
  for (const el of document.querySelectorAll("[data-setting]")) {
    const value = settings[el.dataset.setting];
    if (typeof value === "string" && value) {
      el.setAttribute("href", value);
      el.hidden = false;
    }
  }
  for (const el of document.querySelectorAll("[data-setting-href]")) {
    const base = settings[el.dataset.settingHref];
    if (typeof base === "string" && base) el.setAttribute("href", (base.endsWith("/") ? base : `${base}/`) + el.dataset.file);
  }
  for (const el of document.querySelectorAll("[data-setting-text]")) {
    const value = settings[el.dataset.settingText];
    if (typeof value === "string" && value) el.textContent = value;
  }
}

applySettings();
