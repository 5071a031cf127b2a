import type { PackageInfo, StrategyInfo } from "./types.js";

interface CatalogStrategy {
  id: string;
  stack: string;
  title: string;
  description: string;
  packages: readonly string[];
  optional: readonly string[];
}

/**
 * The strategies as the site shows them, from the deployment catalog's own records (passed in by the
 * build script or the pilot: services do not import infra, so the catalog is restated nowhere).
 */
export function describeStrategies(strategies: Record<string, CatalogStrategy>, packages: Record<string, PackageInfo>): StrategyInfo[] {
  const info = (id: string): PackageInfo => {
    const p = packages[id];
    if (!p) throw new Error(`the catalog names an unknown package: ${id}`);
    return { id: p.id, name: p.name, ships: p.ships };
  };
  return Object.values(strategies).map((s) => ({
    id: s.id,
    stack: s.stack,
    title: s.title,
    description: s.description,
    packages: s.packages.map(info),
    optional: s.optional.map(info),
  }));
}
