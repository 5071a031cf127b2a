import { readFileSync } from "node:fs";
import { findPrice, findPriceName, highestPrice, mergePrices, PricesFile, type ModelPrice, type PriceTable } from "@iron/protocol";
import { ConfigError } from "./config.js";

/** The price table in force: the built-in table, a prices file over it, and the policy for models in neither. */
export class Prices {
  private readonly table: PriceTable;
  private readonly fallback: ModelPrice | undefined;

  constructor(pricesFile: string | undefined, unknownModels: "reject" | "highest-price") {
    this.table = mergePrices(pricesFile ? readPricesFile(pricesFile) : undefined);
    this.fallback = unknownModels === "highest-price" ? highestPrice(this.table) : undefined;
  }

  /** The model's price; undefined (refuse the call) for an unknown model under the `reject` policy. */
  lookup(model: string): ModelPrice | undefined {
    return findPrice(this.table, model) ?? this.fallback;
  }

  /** The model's price and its metrics label in one lookup; undefined as for `lookup`. */
  resolve(model: string): { price: ModelPrice; label: string } | undefined {
    const name = findPriceName(this.table, model);
    if (name !== undefined) return { price: this.table[name]!, label: name };
    return this.fallback && { price: this.fallback, label: "other" };
  }

  /** A bounded name for metrics: the price table's name of the model, or `other` (whatever the agent sent). */
  label(model: string): string {
    return findPriceName(this.table, model) ?? "other";
  }
}

function readPricesFile(path: string): PriceTable {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new ConfigError(`cannot read the prices file ${path}: ${(err as Error).message}`);
  }
  const parsed = PricesFile.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n");
    throw new ConfigError(`the prices file ${path} is not valid (expected { "models": { "<model>": { provider, input, output, max_output_tokens, cached_input?, cache_write_input? } } }, integer micro-USD per 1M tokens):\n${issues}`);
  }
  return parsed.data.models;
}
