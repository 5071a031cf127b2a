import { z } from "zod";
import { HttpError } from "../errors.js";

const Uuid = z.uuid();

/** A path or query id that must be a UUID (400 otherwise, naming the parameter). */
export function parseId(value: unknown, name = "id"): string {
  const r = Uuid.safeParse(value);
  if (!r.success) throw new HttpError(400, "validation_failed", `${name} must be a UUID`, [{ path: name, message: "must be a UUID" }]);
  return r.data;
}
