/**
 * Iron Cage's CrossGuard policy pack: `pulumi up --policy-pack policy/`.
 * Pulumi's policy runner loads this file; constructing the pack serves it.
 */
import { PolicyPack } from "@pulumi/policy";
import { PACK, PACK_NAME } from "./pack";

new PolicyPack(PACK_NAME, { enforcementLevel: "mandatory", policies: PACK });
