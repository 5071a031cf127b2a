import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  PACKAGE_IDS, PACKAGES, REQUIREMENTS, STRATEGIES, dependency, dependentPackages, independentPackages, installOrder,
  validateDeployment, type Dependency, type PackageId,
} from "../../infra/catalog.js";

/** The spec's matrix, row → column, as printed in shared/spec/package_dependencies.md. */
const SPEC_MATRIX: Record<PackageId, Partial<Record<PackageId, Dependency>>> = {
  "control-panel": {},
  "marketing-site": {},
  "agent-runtime": { "control-panel": "optional" },
  sandbox: {},
  cli: { "control-panel": "required" },
  "cli-py": { "control-panel": "required" },
};

const SPEC_FILE = new URL("../../../shared/spec/package_dependencies.md", import.meta.url);

/** Reads the matrix table out of the spec itself (present beside the repo in development and CI). */
function matrixFromSpec(text: string): Record<string, Record<string, Dependency>> {
  const start = text.indexOf("## Package Dependency Matrix");
  const rows = text.slice(start).split("\n").filter((l) => l.startsWith("|")).slice(0, 8);
  const header = rows[0]!.split("|").slice(2, -1).map((s) => s.trim());
  const out: Record<string, Record<string, Dependency>> = {};
  for (const row of rows.slice(2)) {
    const cells = row.split("|").slice(1, -1).map((s) => s.trim());
    const name = cells[0]!.replace(/\*/g, "");
    out[name] = Object.fromEntries(header.map((col, i) => {
      const cell = cells[i + 1]!;
      return [col, cell.includes("Required") ? "required" : cell.includes("Optional") ? "optional" : "none"];
    }));
  }
  return out;
}

describe("catalog: the spec's dependency matrix", () => {
  for (const from of PACKAGE_IDS) {
    for (const to of PACKAGE_IDS) {
      if (from === to) continue;
      const expected = SPEC_MATRIX[from][to] ?? "none";
      it(`${from} → ${to} is ${expected}`, () => expect(dependency(from, to)).toBe(expected));
    }
  }

  it("matches the table in the spec document cell by cell", () => {
    expect(existsSync(SPEC_FILE), `spec not found at ${SPEC_FILE.pathname}`).toBe(true);
    const spec = matrixFromSpec(readFileSync(SPEC_FILE, "utf8"));
    expect(Object.keys(spec)).toHaveLength(6);
    for (const from of PACKAGE_IDS) {
      for (const to of PACKAGE_IDS) {
        const cell = spec[PACKAGES[from].name]?.[PACKAGES[to].name];
        expect(cell, `${PACKAGES[from].name} row, ${PACKAGES[to].name} column`).toBe(from === to ? "none" : dependency(from, to));
      }
    }
  });

  it("counts 4 independent and 2 dependent packages", () => {
    expect(independentPackages()).toEqual(["control-panel", "marketing-site", "agent-runtime", "sandbox"]);
    expect(dependentPackages()).toEqual(["cli", "cli-py"]);
  });
});

describe("catalog: install order", () => {
  it("follows the spec: Control Panel → Marketing Site → Agent Runtime → CLI tools", () => {
    const order = installOrder();
    expect(order).toEqual(["control-panel", "marketing-site", "agent-runtime", "sandbox", "cli", "cli-py"]);
  });

  it("puts every package after what it depends on, for any subset", () => {
    for (let mask = 1; mask < 1 << PACKAGE_IDS.length; mask++) {
      const subset = PACKAGE_IDS.filter((_, i) => mask & (1 << i));
      const order = installOrder(subset);
      expect([...order].sort()).toEqual([...subset].sort());
      for (const id of order) {
        for (const to of PACKAGE_IDS) {
          if (dependency(id, to) !== "none" && subset.includes(to)) expect(order.indexOf(to)).toBeLessThan(order.indexOf(id));
        }
      }
    }
  });
});

describe("catalog: strategies", () => {
  it("maps the four strategies to the spec's package sets", () => {
    expect(STRATEGIES.full.packages).toEqual([...PACKAGE_IDS]);
    expect(STRATEGIES["agent-only"].packages).toEqual(["agent-runtime"]);
    expect(STRATEGIES["panel-clis"].packages).toEqual(["control-panel", "cli", "cli-py"]);
    expect(STRATEGIES["panel-clis"].optional).toEqual(["marketing-site"]);
    expect(STRATEGIES["sandbox-only"].packages).toEqual(["sandbox"]);
    expect(Object.values(STRATEGIES).map((s) => s.stack)).toEqual(["full-platform", "agent-only", "panel-clis", "sandbox-only"]);
  });

  it("every strategy satisfies its own dependencies", () => {
    for (const s of Object.values(STRATEGIES)) expect(validateDeployment({ packages: s.packages })).toEqual([]);
  });
});

describe("catalog: validator", () => {
  it("reports the CLI deployed without a Control Panel, naming the dependency", () => {
    const violations = validateDeployment({ packages: ["cli"] });
    expect(violations).toHaveLength(1);
    expect(violations[0]!.message).toMatch(/CLI Tool → Control Panel \(required\)/);
    expect(violations[0]!.message).toMatch(/iron:controlPanelUrl/);
  });

  it("reports every violated dependency at once", () => {
    expect(validateDeployment({ packages: ["cli", "cli-py", "agent-runtime"], telemetry: true }).map((v) => v.package)).toEqual(["cli", "cli-py", "agent-runtime"]);
  });

  it("accepts a Control Panel outside the stack", () => {
    expect(validateDeployment({ packages: ["cli", "cli-py"], controlPanelUrl: "https://panel.example.com" })).toEqual([]);
  });

  it("treats the runtime's dependency as optional unless telemetry is asked for", () => {
    expect(validateDeployment({ packages: ["agent-runtime"] })).toEqual([]);
    expect(validateDeployment({ packages: ["agent-runtime"], telemetry: false })).toEqual([]);
    expect(validateDeployment({ packages: ["agent-runtime"], telemetry: true })[0]!.kind).toBe("optional");
  });
});

describe("catalog: external requirements", () => {
  const ranges = (id: PackageId, mode: "pilot" | "production") => Object.fromEntries(REQUIREMENTS[id][mode].map((r) => [r.id, r.range ?? r.display]));

  it("holds the spec's minimum versions", () => {
    expect(ranges("control-panel", "production")).toMatchObject({ postgresql: ">=14.0.0", redis: ">=6.0.0", glibc: ">=2.31.0" });
    expect(REQUIREMENTS["control-panel"].production.find((r) => r.id === "redis")?.optional).toBe(true);
    expect(ranges("control-panel", "pilot")).toMatchObject({ sqlite: ">=3.35.0" });
    expect(ranges("sandbox", "production")).toMatchObject({ "linux-kernel": ">=5.13.0", libseccomp: ">=2.5.0" });
    expect(ranges("cli-py", "production")).toMatchObject({ python: ">=3.8.0 <3.13.0" });
    expect(ranges("agent-runtime", "production")).toMatchObject({ node: ">=20.0.0" });
  });

  it("lists the ports the spec names", () => {
    expect(PACKAGES["control-panel"].ports.map((p) => p.port)).toEqual(expect.arrayContaining([443, 5432]));
  });
});
