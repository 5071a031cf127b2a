/** The dependency matrix, independence summary and install order, computed from the catalog. */
import {
  DEPENDENCY_REASONS, PACKAGES, PACKAGE_IDS, STRATEGIES, STRATEGY_IDS, dependency, dependentPackages, independentPackages, installOrder,
  type Dependency, type PackageId,
} from "../../infra/catalog.js";

export interface MatrixReport {
  packages: { id: PackageId; name: string; ships: string }[];
  /** matrix[from][to]: does `from` depend on `to`. */
  matrix: Record<PackageId, Record<PackageId, Dependency>>;
  reasons: Record<string, string>;
  independent: PackageId[];
  dependent: PackageId[];
  installOrder: PackageId[];
  strategies: { id: string; stack: string; packages: PackageId[]; optional: PackageId[]; installOrder: PackageId[] }[];
}

export function matrixReport(): MatrixReport {
  const matrix = Object.fromEntries(
    PACKAGE_IDS.map((from) => [from, Object.fromEntries(PACKAGE_IDS.map((to) => [from === to ? to : to, from === to ? "none" : dependency(from, to)]))]),
  ) as MatrixReport["matrix"];
  return {
    packages: PACKAGE_IDS.map((id) => ({ id, name: PACKAGES[id].name, ships: PACKAGES[id].ships })),
    matrix,
    reasons: { ...DEPENDENCY_REASONS } as Record<string, string>,
    independent: independentPackages(),
    dependent: dependentPackages(),
    installOrder: installOrder(),
    strategies: STRATEGY_IDS.map((id) => {
      const s = STRATEGIES[id];
      return { id, stack: s.stack, packages: s.packages, optional: s.optional, installOrder: installOrder(s.packages) };
    }),
  };
}

const CELL: Record<Dependency, string> = { required: "✅ Required", optional: "⚠️ Optional", none: "-" };

export function formatMatrix(report: MatrixReport): string {
  const names = report.packages.map((p) => p.name);
  const width = Math.max(...names.map((n) => n.length), 12);
  // ✅ is one code point drawn two columns wide; ⚠️ is two code points drawn two wide.
  const columns = (s: string) => [...s].length + (s.match(/✅/gu)?.length ?? 0);
  const pad = (s: string, w = width) => s + " ".repeat(Math.max(0, w - columns(s)));
  const lines = [`${pad("depends on →")} | ${names.map((n) => pad(n)).join(" | ")}`];
  lines.push(`${"-".repeat(width)}-|-${names.map(() => "-".repeat(width)).join("-|-")}`);
  for (const from of report.packages) {
    const cells = report.packages.map((to) => pad(from.id === to.id ? "-" : CELL[report.matrix[from.id][to.id]]));
    lines.push(`${pad(from.name)} | ${cells.join(" | ")}`);
  }
  const name = (id: PackageId) => PACKAGES[id].name;
  lines.push("");
  for (const [key, reason] of Object.entries(report.reasons)) {
    const [from, to] = key.split("->") as [PackageId, PackageId];
    lines.push(`${name(from)} → ${name(to)} (${report.matrix[from][to]}): ${reason}`);
  }
  lines.push("");
  lines.push(`Independent (${report.independent.length}): ${report.independent.map(name).join(", ")}`);
  lines.push(`Dependent (${report.dependent.length}): ${report.dependent.map(name).join(", ")}`);
  lines.push(`Install order: ${report.installOrder.map(name).join(" → ")}`);
  lines.push("");
  lines.push("Strategies (stack → packages in install order):");
  for (const s of report.strategies) {
    const optional = s.optional.length ? ` (optional: ${s.optional.map(name).join(", ")})` : "";
    lines.push(`  ${s.stack}: ${s.installOrder.map(name).join(" → ")}${optional}`);
  }
  return lines.join("\n");
}
