/** The policy schema, the profiles and the Python shape's one-to-one mapping. */
import { describe, expect, it } from "vitest";
import {
  fromPythonConfig,
  MINIMAL,
  PROFILES,
  resolvePolicy,
  SandboxPolicySchema,
  STANDARD,
  STRICT,
  toPythonConfig,
  type PythonSandboxConfig,
} from "@iron/sandbox";

describe("profiles", () => {
  it("are complete, valid policies with the network off", () => {
    for (const profile of Object.values(PROFILES)) {
      expect(SandboxPolicySchema.parse(profile)).toEqual(profile);
      expect(profile.network.enabled).toBe(false);
    }
  });

  it("order from lightest to tightest", () => {
    const limits = (p: typeof STANDARD) => Object.values(p.limits) as number[];
    limits(STRICT).forEach((v, i) => expect(v).toBeLessThan(limits(STANDARD)[i] as number));
    limits(STANDARD).forEach((v, i) => expect(v).toBeLessThan(limits(MINIMAL)[i] as number));
    expect(STRICT.seccomp_action).toBe("kill");
    expect(MINIMAL.landlock).toBe("best_effort");
  });

  it("never open /etc as a whole (it holds /etc/shadow)", () => {
    for (const profile of Object.values(PROFILES)) expect(profile.read_only).not.toContain("/etc");
  });
});

describe("resolvePolicy", () => {
  it("defaults to the standard profile", () => {
    expect(resolvePolicy()).toEqual(STANDARD);
  });

  it("adds paths to the profile's and replaces other fields", () => {
    const p = resolvePolicy({ profile: "strict", read_only: ["/data"], limits: { cpu_seconds: 3 }, network: { enabled: true, tcp_connect: [443] } });
    expect(p.read_only).toEqual([...STRICT.read_only, "/data"]);
    expect(p.limits).toEqual({ ...STRICT.limits, cpu_seconds: 3 });
    expect(p.network).toEqual({ enabled: true, tcp_connect: [443], tcp_bind: [] });
  });

  it("turns the private temp dir off when a working directory is given", () => {
    const p = resolvePolicy({ workdir: "/srv/job", read_write: ["/srv/job"] });
    expect(p.private_tmp).toBe(false);
    expect(p.workdir).toBe("/srv/job");
  });

  it.each([
    [{ read_only: ["relative/path"] }],
    [{ limits: { cpu_seconds: -1 } }],
    [{ network: { tcp_bind: [0] } }],
    [{ profile: "lenient" }],
    [{ max_memory_mb: 10 }],
    [{ workdir: "/srv/job", private_tmp: true }],
  ])("rejects %j", (input) => {
    expect(() => resolvePolicy(input as never)).toThrow();
  });
});

describe("the Python shape", () => {
  const python: PythonSandboxConfig = {
    profile: "strict",
    allowed_paths: ["/data/out"],
    read_only_paths: ["/data/in"],
    working_dir: "/data/out",
    allow_network: true,
    allowed_connect_ports: [443],
    allowed_bind_ports: [8080],
    max_memory_mb: 512,
    max_cpu_seconds: 30,
    max_open_files: 128,
    max_processes: 8,
    max_file_size_mb: 64,
    kill_on_violation: false,
    require_landlock: true,
  };

  it("maps every key onto exactly one policy field and back", () => {
    const input = fromPythonConfig(python);
    expect(toPythonConfig(input)).toEqual(python);
    const policy = resolvePolicy(input);
    expect(policy.read_write).toContain("/data/out");
    expect(policy.read_only).toContain("/data/in");
    expect(policy.limits).toEqual({ address_space_mb: 512, cpu_seconds: 30, open_files: 128, processes: 8, file_size_mb: 64 });
    expect(policy.network).toEqual({ enabled: true, tcp_connect: [443], tcp_bind: [8080] });
    expect(policy.seccomp_action).toBe("errno");
  });

  it("keeps the profile's values for keys the Python side leaves out", () => {
    expect(resolvePolicy(fromPythonConfig({ max_memory_mb: 300 }))).toEqual({ ...STANDARD, limits: { ...STANDARD.limits, address_space_mb: 300 } });
  });

  it("rejects unknown keywords", () => {
    expect(() => fromPythonConfig({ allowed_path: ["/x"] } as never)).toThrow(/allowed_path/);
  });
});
