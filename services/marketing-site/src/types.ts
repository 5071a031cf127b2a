/** Where the site points people; build-time values that /settings.json may replace at run time. */
export interface SiteSettings {
  /** The Control Panel's dashboard (sign in), e.g. https://panel.example.com/ */
  signInUrl?: string;
  controlPanelUrl?: string;
  /** Base URL of the CLI artifacts, ending in `/` (default `/downloads/`). */
  downloadsUrl: string;
  /** Full documentation, if published somewhere. */
  docsUrl?: string;
  version: string;
}

export interface PackageInfo {
  id: string;
  name: string;
  ships: string;
}

/** A deployment strategy as the catalog (infra/catalog.ts) describes it. */
export interface StrategyInfo {
  id: string;
  stack: string;
  title: string;
  description: string;
  packages: PackageInfo[];
  optional: PackageInfo[];
}

export interface Artifact {
  name: string;
  sha256: string;
  size: number | undefined;
}

export interface SiteInput {
  settings: SiteSettings;
  strategies: StrategyInfo[];
  /** The CLI artifacts; undefined when they are not built. */
  artifacts: Artifact[] | undefined;
}
