/** Address ranges: which sources are the internet, which are loopback. */

const PRIVATE_V4 = [/^10\./, /^192\.168\./, /^172\.(1[6-9]|2\d|3[01])\./, /^127\./, /^169\.254\./, /^100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\./];

/** An IPv4/IPv6 CIDR or address that reaches beyond private address space (0.0.0.0/0, a public range, a global IPv6 range). */
export function isPublicSource(cidr: unknown): boolean {
  if (typeof cidr !== "string" || cidr === "") return false;
  if (cidr.includes(":")) return !/^(fc|fd|fe80|::1)/i.test(cidr);
  const [address, bits] = cidr.split("/");
  // A short prefix such as 0.0.0.0/0 or 10.0.0.0/7 covers public space whatever its first octet says.
  if (bits !== undefined && Number(bits) < 8) return true;
  return !PRIVATE_V4.some((range) => range.test(address ?? ""));
}

/** A host address a port may be published on without leaving the machine. */
export function isLoopback(ip: unknown): boolean {
  return typeof ip === "string" && (/^127\./.test(ip) || ip === "::1" || ip === "localhost");
}

/** Whether the port range [from, to] admits `port` (protocol -1 / "all" admits every port). */
export function admitsPort(rule: { fromPort?: unknown; toPort?: unknown; ipProtocol?: unknown; protocol?: unknown }, port: number): boolean {
  const protocol = String(rule.ipProtocol ?? rule.protocol ?? "tcp");
  if (protocol === "-1" || protocol === "all") return true;
  const from = Number(rule.fromPort ?? port);
  const to = Number(rule.toPort ?? from);
  return from <= port && port <= to;
}
