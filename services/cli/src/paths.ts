import { homedir } from "node:os";
import { join } from "node:path";

/** Where iron keeps its files: `~/.iron` (HOME decides, so a temp HOME isolates a run). */
export interface IronPaths {
  dir: string;
  /** API keys per panel URL; mode 0600. */
  credentials: string;
  /** Agent tokens issued by `iron token generate`; mode 0600. */
  tokens: string;
  /** The default panel URL (`api_url`), written by `iron login`. */
  config: string;
}

export function ironPaths(home = homedir()): IronPaths {
  const dir = join(home, ".iron");
  return { dir, credentials: join(dir, "credentials"), tokens: join(dir, "tokens"), config: join(dir, "config.json") };
}

/** `~/.iron/tokens` rather than `/home/me/.iron/tokens`, for messages. */
export function displayPath(path: string, home = homedir()): string {
  return home && path.startsWith(`${home}/`) ? `~${path.slice(home.length)}` : path;
}
